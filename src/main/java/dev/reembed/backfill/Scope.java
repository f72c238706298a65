package dev.reembed.backfill;

/** Which rows a run embeds (soft-deleted rows never). */
public enum Scope {
    /** Rows without a vector. */
    MISSING,
    /** Rows without a vector, or whose vector came from another model or dimension, or from text that changed since. */
    STALE,
    /** Every row. */
    ALL
}
