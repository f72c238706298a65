package dev.reembed.backfill;

import java.time.Duration;

/** What became of one leased batch, and so what the worker does next. */
sealed interface Outcome {
    /** Written (or given back for another worker): take the next batch now. */
    record Done() implements Outcome {
    }

    /** The provider said how long to wait before the next call. */
    record Wait(Duration delay) implements Outcome {
    }

    /** A transient failure without a delay: back off by the number of failures in a row. */
    record BackOff() implements Outcome {
    }

    /** The run is no longer RUNNING here (paused, cancelled, or this replica is stopping). */
    record Stopped() implements Outcome {
    }

    Outcome DONE = new Done();
    Outcome BACK_OFF = new BackOff();
    Outcome STOPPED = new Stopped();
}
