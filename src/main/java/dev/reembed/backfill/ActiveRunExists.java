package dev.reembed.backfill;

/** Another run is QUEUED, RUNNING or PAUSED (the partial unique index {@code backfill_runs_one_active} said so). */
public final class ActiveRunExists extends RuntimeException {

    public final long activeRunId;

    ActiveRunExists(long activeRunId) {
        super("Run " + activeRunId + " is active");
        this.activeRunId = activeRunId;
    }
}
