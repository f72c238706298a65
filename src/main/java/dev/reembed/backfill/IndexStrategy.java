package dev.reembed.backfill;

/** What a run does with the HNSW index on the column it writes (docs/backfill.md). */
public enum IndexStrategy {
    /** Drop it when the run has at least {@code reembed.backfill.index.rebuild-threshold} rows. */
    AUTO,
    /** Leave it: every write inserts into the graph (slow for large runs, searches stay fast). */
    KEEP,
    /** Drop it whatever the size of the run. */
    REBUILD
}
