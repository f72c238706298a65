-- V2.6: the online migration (POST /api/migration/online): a shadow column filled by a backfill
-- while the live column keeps serving, then a swap in one short transaction. A 2.x version because
-- it names no dimension and must exist while V3 is held (start-target=2).
--
-- swaps counts the cutovers and swap-backs: odd means questions.embedding holds the target model.
-- At most one migration is open (any phase but ROLLED_BACK and FINALIZED).
create table online_migrations (
    id                  bigint generated always as identity primary key,
    phase               text        not null check (phase in ('PREPARED', 'BACKFILLING', 'INDEXING', 'READY',
                                                             'CUT_OVER', 'ROLLED_BACK', 'FINALIZED')),
    source_model        text        not null,
    source_dimensions   int         not null,
    source_type         text        not null check (source_type in ('vector', 'halfvec')),
    target_model        text        not null,
    target_dimensions   int         not null,
    target_type         text        not null check (target_type in ('vector', 'halfvec')),
    auto_cutover        boolean     not null default false,
    batch_size          int         not null,
    concurrency         int         not null,
    backfill_run_id     bigint,
    swaps               int         not null default 0,
    index_started_at    timestamptz,
    index_built_at      timestamptz,
    index_build_ms      bigint,
    cutover_at          timestamptz,
    cutover_lock_ms     int,
    cutover_lock_wait_ms int,
    cutover_attempts    int,
    -- this migration wrote V3's flyway_schema_history row (a cutover while V3 was pending)
    marked_v3           boolean     not null default false,
    -- a finalize or a pre-cutover rollback is under way: no way back from here
    closing             text        check (closing in ('FINALIZE', 'ROLLBACK')),
    last_error          text,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now()
);
create unique index online_migrations_one_open on online_migrations ((true))
    where phase not in ('ROLLED_BACK', 'FINALIZED');

-- One row per step taken: GET /api/migration/online's steps:[{phase, at}].
create table online_migration_steps (
    migration_id bigint      not null references online_migrations (id) on delete cascade,
    seq          bigint generated always as identity,
    phase        text        not null,
    at           timestamptz not null default now(),
    detail       text,
    primary key (migration_id, seq)
);

-- The column a run writes: embedding, or the online migration's shadow embedding_next.
alter table backfill_runs
    add column vector_column text not null default 'embedding' check (vector_column in ('embedding', 'embedding_next')),
    add column migration_id  bigint references online_migrations (id);
