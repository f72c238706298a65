package dev.reembed.online;

/**
 * PREPARED → BACKFILLING → INDEXING → READY ⇄ CUT_OVER → FINALIZED; a rollback before the cutover
 * ends in ROLLED_BACK, one after it swaps back to READY.
 */
public enum OnlinePhase {
    PREPARED, BACKFILLING, INDEXING, READY, CUT_OVER, ROLLED_BACK, FINALIZED;

    /** Open: not ended. At most one migration is open (a unique index says so). */
    public boolean open() {
        return this != ROLLED_BACK && this != FINALIZED;
    }
}
