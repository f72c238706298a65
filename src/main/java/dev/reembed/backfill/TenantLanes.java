package dev.reembed.backfill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tenants' running backfills, taken in turn by the shared workers: each take hands out one batch
 * of the next tenant that has work, so a tenant of 100 rows waits for a round of its neighbours'
 * batches, not for a tenant of 100,000 to finish. A tenant never has more batches in flight than
 * its run's concurrency; one that must wait (a Retry-After, a back-off) is passed over until then.
 * Holds one small lane per tenant with a running run: flat in the number of tenants otherwise.
 */
final class TenantLanes<J> {

    /** One tenant's run as the workers see it. */
    static final class Lane<J> {
        final String schema;
        final String runKey;
        final J job;
        final int concurrency;
        int inFlight;
        int failuresInARow;
        long notBeforeNanos;

        Lane(String schema, String runKey, J job, int concurrency) {
            this.schema = schema;
            this.runKey = runKey;
            this.job = job;
            this.concurrency = concurrency;
        }
    }

    private final Map<String, Lane<J>> lanes = new LinkedHashMap<>();
    private final List<String> order = new ArrayList<>();
    private int cursor;

    /** A tenant's running run (kept as it is when it is the same run: its health and back-off go on). */
    synchronized void running(String schema, String runKey, J job, int concurrency) {
        Lane<J> lane = lanes.get(schema);
        if (lane != null && lane.runKey.equals(runKey)) {
            return;
        }
        if (lane == null) {
            order.add(schema);
        }
        lanes.put(schema, new Lane<>(schema, runKey, job, concurrency));
    }

    /** The tenant has no running run (or is gone): no new batches of it. Batches in flight finish. */
    synchronized void idle(String schema) {
        if (lanes.remove(schema) != null) {
            order.remove(schema);
        }
    }

    /** Lanes of tenants not among {@code served} any more go. */
    synchronized void retain(Set<String> served) {
        for (String schema : List.copyOf(order)) {
            if (!served.contains(schema)) {
                idle(schema);
            }
        }
    }

    /** The next lane with work, after the one taken last; null when none may take a batch now. */
    synchronized Lane<J> take(long nowNanos) {
        for (int i = 0; i < order.size(); i++) {
            int at = (cursor + i) % order.size();
            Lane<J> lane = lanes.get(order.get(at));
            if (lane.inFlight < lane.concurrency && lane.notBeforeNanos - nowNanos <= 0) {
                lane.inFlight++;
                cursor = at + 1;
                return lane;
            }
        }
        return null;
    }

    /**
     * How long a worker that found nothing to take may wait: until the first lane that waits out a
     * back-off may go again, at most {@code idleNanos} (a free lane is looked for at least that often).
     */
    synchronized long nanosUntilNext(long nowNanos, long idleNanos) {
        long wait = idleNanos;
        for (Lane<J> lane : lanes.values()) {
            if (lane.inFlight < lane.concurrency) {
                wait = Math.min(wait, Math.max(0, lane.notBeforeNanos - nowNanos));
            }
        }
        return wait;
    }

    /** A batch of {@code lane} is over: {@code waitNanos} before its next one (0: at once). */
    synchronized void done(Lane<J> lane, boolean succeeded, long waitNanos, long nowNanos) {
        lane.inFlight--;
        lane.failuresInARow = succeeded ? 0 : lane.failuresInARow + 1;
        if (waitNanos > 0) {
            lane.notBeforeNanos = nowNanos + waitNanos;
        }
    }

    synchronized int size() {
        return lanes.size();
    }
}
