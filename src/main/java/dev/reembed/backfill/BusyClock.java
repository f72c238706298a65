package dev.reembed.backfill;

/**
 * Wall time during which at least one write was in flight, across workers: rows written divided
 * by it is the write path's own throughput, apart from the provider's latency. (A Micrometer
 * LongTaskTimer measures the sum over tasks, not their union.)
 */
final class BusyClock {
    private int inFlight;
    private long since;
    private long busyNanos;

    synchronized long start() {
        long now = System.nanoTime();
        if (inFlight++ == 0) {
            since = now;
        }
        return now;
    }

    /** Returns this write's own duration. */
    synchronized long stop(long started) {
        long now = System.nanoTime();
        if (--inFlight == 0) {
            busyNanos += now - since;
        }
        return now - started;
    }

    synchronized double seconds() {
        return (busyNanos + (inFlight > 0 ? System.nanoTime() - since : 0)) / 1e9;
    }
}
