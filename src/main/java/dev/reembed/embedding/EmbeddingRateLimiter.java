package dev.reembed.embedding;

import java.time.Duration;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;

/**
 * Client-side requests-per-minute and tokens-per-minute limits (bucket4j), one instance per
 * process so every worker draws from the same budget. Requests are paced: at most a tenth of a
 * minute's quota at once, then evenly. Tokens keep a minute's budget, since one request may carry
 * a large share of it. Blocks the caller until both budgets allow
 * the request: callers reserve in arrival order and sleep off their own debt, so concurrent
 * workers are served fairly. Time and sleeping are injected for deterministic tests.
 */
public class EmbeddingRateLimiter {

    private final Bucket requests;
    private final Bucket tokens;
    private final long tokensPerMinute;
    private final BlockingStrategy parking;

    public EmbeddingRateLimiter(int requestsPerMinute, long tokensPerMinute, TimeMeter time, Sleeper sleeper) {
        this.tokensPerMinute = tokensPerMinute;
        // A burst of at most a tenth of a minute's requests: with a full minute's worth in the bucket
        // (and the refill on top) the first minute could see twice the quota, which the API answers
        // with 429s; this way any 60-s window stays within 110 % of it.
        int burst = Math.max(1, requestsPerMinute / 10);
        this.requests = Bucket.builder()
                .addLimit(l -> l.capacity(burst).refillGreedy(requestsPerMinute, Duration.ofMinutes(1)))
                .withCustomTimePrecision(time)
                .build();
        this.tokens = Bucket.builder()
                .addLimit(l -> l.capacity(tokensPerMinute).refillGreedy(tokensPerMinute, Duration.ofMinutes(1)))
                .withCustomTimePrecision(time)
                .build();
        this.parking = nanos -> sleeper.sleep(Duration.ofNanos(nanos));
    }

    /**
     * Waits until one request carrying {@code estimatedTokens} may be sent. A request larger than
     * the whole per-minute token budget takes the full budget (it could never fit otherwise).
     */
    public void acquire(long estimatedTokens) throws InterruptedException {
        requests.asBlocking().consume(1, parking);
        long cost = Math.max(0, Math.min(estimatedTokens, tokensPerMinute));
        if (cost > 0) {
            tokens.asBlocking().consume(cost, parking);
        }
    }
}
