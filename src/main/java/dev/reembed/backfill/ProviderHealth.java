package dev.reembed.backfill;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Tells an outage from a bad row, across the workers of one run in this replica: while some calls
 * succeed, a failing batch counts attempts against its rows; when every call has failed for
 * {@code outageAfter}, the provider is down and the run pauses instead of failing every row.
 */
final class ProviderHealth {

    private final Clock clock;
    private final Duration outageAfter;
    private final AtomicReference<Instant> lastSuccess = new AtomicReference<>();
    private final AtomicReference<Instant> failingSince = new AtomicReference<>();

    ProviderHealth(Clock clock, Duration outageAfter) {
        this.clock = clock;
        this.outageAfter = outageAfter;
    }

    void success() {
        lastSuccess.set(clock.instant());
        failingSince.set(null);
    }

    void failure() {
        failingSince.compareAndSet(null, clock.instant());
    }

    /** A call succeeded recently: a failure now is the batch's, not the provider's. */
    boolean healthy() {
        Instant s = lastSuccess.get();
        return s != null && Duration.between(s, clock.instant()).compareTo(outageAfter) < 0;
    }

    /** Every call has failed for at least {@code outageAfter}. */
    boolean down() {
        Instant f = failingSince.get();
        return f != null && !healthy() && Duration.between(f, clock.instant()).compareTo(outageAfter) >= 0;
    }

    Duration failingFor() {
        Instant f = failingSince.get();
        return f == null ? Duration.ZERO : Duration.between(f, clock.instant());
    }
}
