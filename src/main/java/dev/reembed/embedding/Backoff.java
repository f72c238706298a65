package dev.reembed.embedding;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The one retry backoff policy: exponential with full jitter. Attempt n (0-based) waits a random
 * time in [0, min(max, initial × 2^n)], so replicas and workers that failed together do not retry
 * together.
 *
 * <p>Hand-written (a few lines) rather than a library: none on the classpath fits. google-http-client's
 * {@code ExponentialBackOff} (there for google-auth) is stateful per retry sequence, draws from
 * {@code Math.random()} so tests cannot fix the jitter, and jitters ± a factor rather than fully;
 * SmallRye Fault Tolerance or Failsafe would be a large dependency for this alone.
 */
public final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private final LongSupplier jitter;

    /** Jitter from {@link ThreadLocalRandom}. */
    public Backoff(Duration initial, Duration max) {
        this(initial, max, null);
    }

    /**
     * @param jitter random source, a value in [0, Long.MAX_VALUE); null for {@link ThreadLocalRandom}.
     *               Tests fix it to make delays deterministic.
     */
    public Backoff(Duration initial, Duration max, LongSupplier jitter) {
        this.initialMillis = Math.max(0, initial.toMillis());
        this.maxMillis = Math.max(0, max.toMillis());
        this.jitter = jitter == null ? () -> ThreadLocalRandom.current().nextLong(Long.MAX_VALUE) : jitter;
    }

    /** The longest wait after attempt {@code attempt} (0-based): min(max, initial × 2^attempt). */
    public Duration ceiling(int attempt) {
        int shift = Math.min(Math.max(attempt, 0), 62);
        long grown = initialMillis > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : initialMillis << shift;
        return Duration.ofMillis(Math.min(maxMillis, grown));
    }

    /** The wait after attempt {@code attempt} (0-based): random in [0, {@link #ceiling(int)}]. */
    public Duration delay(int attempt) {
        long cap = ceiling(attempt).toMillis();
        return Duration.ofMillis(cap == 0 ? 0 : Math.floorMod(jitter.getAsLong(), cap + 1));
    }
}
