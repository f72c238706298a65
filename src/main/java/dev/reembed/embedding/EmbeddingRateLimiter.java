package dev.reembed.embedding;

import java.time.Duration;
import java.util.Optional;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;

/**
 * Client-side requests-per-minute and tokens-per-minute limits (bucket4j), one instance per
 * process so every worker draws from the same budget. Requests are paced: at most a tenth of a
 * minute's quota at once, then evenly. Tokens keep a minute's budget, since one request may carry a
 * large share of it. Callers reserve in arrival order and sleep off their own debt, so concurrent
 * workers are served fairly. Time and sleeping are injected for deterministic tests.
 *
 * <p><b>Adaptive</b> (the default): the configured rates are where it starts, not where it stays.
 * Vendors that state their quota (OpenAI's headers, {@link #learn}) set the rates. For the others
 * (Gemini, Voyage, Bedrock) it finds the quota as TCP finds a path's capacity: while workers wait on
 * it and nothing is refused, the rates grow (by a fifth a second until the first 429, then by a
 * hundredth of the last refused rate a second) up to the configured ceiling; a 429 cuts them to
 * {@value #DECREASE} of what they were (the first one, which ends the fast start, to half), once per
 * second however many answers of one overshoot come back refused, and holds every worker for the
 * RetryInfo / Retry-After the vendor gave. Both rates move by the same factor, each stopping at its
 * own ceiling.
 *
 * <p>The control law is hand-written: bucket4j paces at a given rate but does not choose it, and no
 * library on the classpath does AIMD on a rate.
 */
public class EmbeddingRateLimiter {

    static final double DECREASE = 0.85;
    static final double FIRST_DECREASE = 0.5;
    static final double SLOW_START = 1.2;
    static final double PROBE = 0.01;
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** The longest a vendor's retry-after or reset may hold every caller (the default max-retry-delay). */
    static final Duration MAX_HOLD = Duration.ofMinutes(2);

    private final Bucket requests;
    private final Bucket tokens;
    private final TimeMeter time;
    private final Sleeper sleeper;
    private final BlockingStrategy parking;

    private final int startRequests;
    private final long startTokens;
    private final double maxFactor;
    private final int maxRequests;
    private final long maxTokens;
    private final boolean adaptive;

    private final Object control = new Object();
    private double factor = 1;
    private double refusedAt = Double.NaN; // the factor of the last 429; NaN until the first
    private boolean told; // the vendor stated its quota: no probing above it
    private long lastChange;
    private long lastDecrease = Long.MIN_VALUE;
    private volatile boolean waited;
    private final java.util.concurrent.atomic.AtomicLong holdUntil = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
    private double tokenSkew = 1; // the token rate's factor over the request rate's: 1 unless a vendor stated both
    private int currentRequests;
    private long currentTokens;

    /** A fixed limiter: these rates, never more, never fewer. */
    public EmbeddingRateLimiter(int requestsPerMinute, long tokensPerMinute, TimeMeter time, Sleeper sleeper) {
        this(requestsPerMinute, tokensPerMinute, requestsPerMinute, tokensPerMinute, false, time, sleeper);
    }

    /**
     * @param maxRequestsPerMinute ceiling of the adaptive requests rate (≥ the start)
     * @param maxTokensPerMinute   ceiling of the adaptive tokens rate (≥ the start)
     */
    public EmbeddingRateLimiter(int requestsPerMinute, long tokensPerMinute, int maxRequestsPerMinute,
            long maxTokensPerMinute, boolean adaptive, TimeMeter time, Sleeper sleeper) {
        this.startRequests = requestsPerMinute;
        this.startTokens = tokensPerMinute;
        // Each budget stops at its own ceiling; the factor runs on while the other may still grow.
        this.maxRequests = Math.max(requestsPerMinute, maxRequestsPerMinute);
        this.maxTokens = Math.max(tokensPerMinute, maxTokensPerMinute);
        this.maxFactor = Math.max((double) maxRequests / requestsPerMinute, (double) maxTokens / tokensPerMinute);
        this.adaptive = adaptive;
        this.time = time;
        this.sleeper = sleeper;
        this.currentRequests = requestsPerMinute;
        this.currentTokens = tokensPerMinute;
        this.requests = Bucket.builder().withCustomTimePrecision(time).addLimit(requestLimit(requestsPerMinute)).build();
        this.tokens = Bucket.builder().withCustomTimePrecision(time).addLimit(tokenLimit(tokensPerMinute)).build();
        this.parking = nanos -> {
            waited = true;
            sleeper.sleep(Duration.ofNanos(nanos));
        };
        this.lastChange = time.currentTimeNanos();
    }

    // A burst of at most a tenth of a minute's requests: with a full minute's worth in the bucket (and
    // the refill on top) the first minute could see twice the quota; this way any 60-s window stays
    // within 110 % of it.
    private static io.github.bucket4j.Bandwidth requestLimit(int perMinute) {
        return io.github.bucket4j.Bandwidth.builder().capacity(Math.max(1, perMinute / 10))
                .refillGreedy(perMinute, Duration.ofMinutes(1)).build();
    }

    private static io.github.bucket4j.Bandwidth tokenLimit(long perMinute) {
        return io.github.bucket4j.Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))
                .build();
    }

    /**
     * Waits until one request carrying {@code estimatedTokens} may be sent. A request larger than the
     * whole per-minute token budget takes the full budget (it could never fit otherwise).
     */
    public void acquire(long estimatedTokens) throws InterruptedException {
        // A hold is not counted as demand: it is the vendor pacing us, and growing the rates through
        // it would leave them far above the quota it enforces. Looked at again after each sleep: another
        // answer may have extended it meanwhile.
        for (long now = time.currentTimeNanos(), until; (until = holdUntil.get()) > now; now = time.currentTimeNanos()) {
            sleeper.sleep(Duration.ofNanos(until - now));
        }
        requests.asBlocking().consume(1, parking);
        long cost = Math.max(0, Math.min(estimatedTokens, currentTokensPerMinute()));
        if (cost > 0) {
            tokens.asBlocking().consume(cost, parking);
        }
    }

    /** An answer came back: while workers are waiting on the limiter, the rates may grow. */
    public void onSuccess() {
        if (!adaptive) {
            return;
        }
        synchronized (control) {
            long now = time.currentTimeNanos();
            if (now - lastChange < INTERVAL.toNanos()) {
                return;
            }
            boolean demand = waited;
            waited = false;
            lastChange = now;
            if (!demand || told || factor >= maxFactor) {
                return;
            }
            factor = Math.min(maxFactor, Double.isNaN(refusedAt) ? factor * SLOW_START : factor + PROBE * refusedAt);
            apply();
        }
    }

    /** The vendor refused a request for its rate limit (429, ThrottlingException). */
    public void onRateLimited(Optional<Duration> retryAfter) {
        long now = time.currentTimeNanos();
        retryAfter.ifPresent(d -> hold(now, d));
        if (!adaptive) {
            return;
        }
        synchronized (control) {
            if (lastDecrease != Long.MIN_VALUE && now - lastDecrease < INTERVAL.toNanos()) {
                return; // the other answers of the same overshoot
            }
            lastDecrease = now;
            lastChange = now;
            // The first 429 ends the slow start, which overshoots by up to a fifth a second while the
            // vendor's own burst allowance hides it: halve, as TCP does; later ones only trim.
            double cut = Double.isNaN(refusedAt) ? FIRST_DECREASE : DECREASE;
            refusedAt = factor;
            factor = Math.max(minFactor(), factor * cut);
            apply();
        }
    }

    /** The vendor's own statement of its quota: its limits become the rates (within the ceiling). */
    public void learn(QuotaHint hint) {
        if (hint == null || hint.isEmpty()) {
            return;
        }
        long now = time.currentTimeNanos();
        hint.exhaustedFor().ifPresent(d -> hold(now, d));
        if (!adaptive || (hint.limitRequests().isEmpty() && hint.limitTokens().isEmpty())) {
            return;
        }
        synchronized (control) {
            // A limit the vendor did not state stays where it is.
            double byRequests = hint.limitRequests().isPresent()
                    ? (double) hint.limitRequests().getAsLong() / startRequests : factor;
            double byTokens = hint.limitTokens().isPresent()
                    ? (double) hint.limitTokens().getAsLong() / startTokens : factor * tokenSkew;
            // Each budget takes its own stated limit (the ceilings still apply).
            told = true;
            factor = Math.max(minFactor(), Math.min(maxFactor, byRequests));
            tokenSkew = Math.max(minFactor(), Math.min(maxFactor, byTokens)) / factor;
            apply();
        }
    }

    /**
     * Holds every caller until {@code now + wait}, at most {@link #MAX_HOLD}: a vendor (or a proxy) asking
     * for hours would otherwise stop every worker and every search that long; the caller fails that
     * one request instead (ProviderCaller's max-retry-delay).
     */
    private void hold(long now, Duration wait) {
        long nanos = Math.min(wait.toNanos(), MAX_HOLD.toNanos());
        holdUntil.accumulateAndGet(now + Math.max(0, nanos), Math::max);
    }

    /** Never below one request a minute, however many 429s. */
    private double minFactor() {
        return Math.min(1, 1.0 / startRequests);
    }

    private void apply() {
        currentRequests = (int) Math.max(1, Math.min(maxRequests, Math.round(startRequests * factor)));
        currentTokens = Math.max(1, Math.min(maxTokens, Math.round(startTokens * factor * tokenSkew)));
        requests.replaceConfiguration(BucketConfiguration.builder().addLimit(requestLimit(currentRequests)).build(),
                TokensInheritanceStrategy.AS_IS);
        tokens.replaceConfiguration(BucketConfiguration.builder().addLimit(tokenLimit(currentTokens)).build(),
                TokensInheritanceStrategy.AS_IS);
    }

    public int currentRequestsPerMinute() {
        synchronized (control) {
            return currentRequests;
        }
    }

    public long currentTokensPerMinute() {
        synchronized (control) {
            return currentTokens;
        }
    }
}
