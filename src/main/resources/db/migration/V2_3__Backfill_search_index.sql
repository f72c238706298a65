-- V2.3: the search index during a backfill. Writing a vector into a column with an HNSW index
-- inserts it into the graph, which made a large backfill ten times slower than the same backfill
-- without the index (docs/BENCHMARKS.md). A large run therefore drops idx_questions_embedding when
-- it starts and builds it once, before it completes; these columns say where that stands, so that
-- a crash, a cancel or a restart in between still ends with the index built.

alter table backfill_runs
    -- AUTO (drop for large runs), KEEP, REBUILD: reembed.backfill.index.* or the run's request
    add column index_strategy text not null default 'AUTO' check (index_strategy in ('AUTO', 'KEEP', 'REBUILD')),
    -- set just before the run drops the index; NULL: the run kept it
    add column index_dropped_at timestamptz,
    add column index_build_started_at timestamptz,
    -- the index is back (built by the run, or found valid); NULL after a drop: it still must be built
    add column index_built_at timestamptz,
    add column index_build_ms bigint;
