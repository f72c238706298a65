package dev.reembed.backfill;

import java.util.Set;

/** Lifecycle of a run; QUEUED, RUNNING and PAUSED are "active" (at most one at a time). */
public enum RunStatus {
    QUEUED, RUNNING, PAUSED, COMPLETED, FAILED, CANCELLED;

    public static final Set<RunStatus> ACTIVE = Set.of(QUEUED, RUNNING, PAUSED);

    public boolean active() {
        return ACTIVE.contains(this);
    }
}
