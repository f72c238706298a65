package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

/**
 * The adaptive limiter against a vendor whose quota it is not told, on a fake clock: the vendor is a
 * token bucket of its own (a tenth of a minute's quota at once, refilled evenly), answering 429 with a
 * retry delay when it is empty. The benchmark (AdaptiveLimiterBench) measures the same over HTTP.
 */
class AdaptiveRateLimiterTest {

    final FakeTime time = new FakeTime();

    /** Requests answered per second of the simulation, and 429s. */
    record Run(List<Integer> okPerSecond, long ok, long refused) {

        double rateOver(int fromSecond, int toSecond) {
            return okPerSecond.subList(fromSecond, toSecond).stream().mapToInt(Integer::intValue).sum() * 60.0
                    / (toSecond - fromSecond);
        }

        /** The first second from which every 30-s window achieves at least {@code share} of the quota. */
        int settledAt(double quotaPerMinute, double share) {
            int settled = -1;
            for (int s = 0; s + 30 <= okPerSecond.size(); s++) {
                boolean good = rateOver(s, s + 30) >= share * quotaPerMinute;
                if (good && settled < 0) {
                    settled = s;
                } else if (!good) {
                    settled = -1;
                }
            }
            return settled;
        }
    }

    Run against(int quotaPerMinute, EmbeddingRateLimiter limiter, Duration length) throws Exception {
        Bucket vendor = Bucket.builder().withCustomTimePrecision(time)
                .addLimit(l -> l.capacity(Math.max(1, quotaPerMinute / 10)).refillGreedy(quotaPerMinute, Duration.ofMinutes(1)))
                .build();
        long start = time.currentTimeNanos();
        int seconds = (int) length.toSeconds();
        List<Integer> okPerSecond = new ArrayList<>(java.util.Collections.nCopies(seconds, 0));
        long ok = 0;
        long refused = 0;
        while (time.currentTimeNanos() - start < length.toNanos()) {
            limiter.acquire(100);
            int second = (int) ((time.currentTimeNanos() - start) / 1_000_000_000L);
            if (second >= seconds) {
                break;
            }
            ConsumptionProbe probe = vendor.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                ok++;
                okPerSecond.set(second, okPerSecond.get(second) + 1);
                limiter.onSuccess();
            } else {
                refused++;
                limiter.onRateLimited(Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill())));
            }
            time.advance(Duration.ofMillis(1)); // the request's own time on the wire
        }
        return new Run(okPerSecond, ok, refused);
    }

    EmbeddingRateLimiter adaptive() {
        // The defaults: the free tier to start from, Gemini Tier 1 as the ceiling.
        return new EmbeddingRateLimiter(100, 1_000_000_000, 3000, 30_000_000_000L, true, time, time);
    }

    @Test
    void findsAnUntoldQuotaWithinTwoMinutesAndStaysAtIt() throws Exception {
        for (int quota : new int[] {600, 1500, 2500}) {
            EmbeddingRateLimiter limiter = adaptive();
            Run run = against(quota, limiter, Duration.ofMinutes(6));
            assertThat(run.settledAt(quota, 0.9)).as("quota %d: second from which every 30 s reach 0.9 of it", quota)
                    .isBetween(0, 120);
            assertThat((double) run.refused() / (run.ok() + run.refused())).as("quota %d: share of 429s", quota)
                    .isLessThanOrEqualTo(0.02);
            assertThat(run.rateOver(120, 360)).as("quota %d: minutes 3-6", quota).isGreaterThanOrEqualTo(0.9 * quota);
            // What it reports (the gauge, the estimate's duration) is the quota, not a rate the vendor refuses.
            assertThat(limiter.currentRequestsPerMinute()).as("quota %d: the limiter's rate at the end", quota)
                    .isBetween((int) (0.8 * quota), (int) (1.3 * quota));
        }
    }

    @Test
    void neverGoesAboveTheCeiling() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100, 1_000_000_000, 400, 4_000_000_000L, true, time, time);
        Run run = against(10_000, limiter, Duration.ofMinutes(3));
        assertThat(run.refused()).isZero();
        assertThat(limiter.currentRequestsPerMinute()).isEqualTo(400);
        assertThat(run.rateOver(60, 180)).isBetween(360.0, 440.0);
    }

    @Test
    void eachRateStopsAtItsOwnCeiling() throws Exception {
        // Tokens configured at their ceiling (as deploy/reembed.yaml does): the request rate still grows to its own.
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100, 1_000_000_000, 3000, 1_000_000_000, true, time, time);
        against(10_000, limiter, Duration.ofMinutes(1));
        assertThat(limiter.currentRequestsPerMinute()).isEqualTo(3000);
        assertThat(limiter.currentTokensPerMinute()).isEqualTo(1_000_000_000);
    }

    @Test
    void aStatedQuotaIsTakenAsItIs() {
        EmbeddingRateLimiter limiter = adaptive();
        limiter.learn(new QuotaHint(OptionalLong.of(2000), OptionalLong.empty(), OptionalLong.of(1999),
                OptionalLong.empty(), Optional.of(Duration.ofMillis(30)), Optional.empty()));
        assertThat(limiter.currentRequestsPerMinute()).isEqualTo(2000);
    }

    @Test
    void statedLimitsSetEachRateOnItsOwn() {
        // Tokens configured high (1M) and OpenAI stating 3,000 requests / 1M tokens: both are taken.
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100, 1_000_000, 10_000, 10_000_000, true, time, time);
        limiter.learn(new QuotaHint(OptionalLong.of(3000), OptionalLong.of(1_000_000), OptionalLong.empty(),
                OptionalLong.empty(), Optional.empty(), Optional.empty()));
        assertThat(limiter.currentRequestsPerMinute()).isEqualTo(3000);
        assertThat(limiter.currentTokensPerMinute()).isEqualTo(1_000_000);
    }

    @Test
    void aHoldIsCappedSoNoVendorCanStopEveryCallerForHours() throws Exception {
        EmbeddingRateLimiter limiter = adaptive();
        limiter.onRateLimited(Optional.of(Duration.ofHours(24)));
        limiter.acquire(1);
        assertThat(time.totalSlept()).isLessThanOrEqualTo(EmbeddingRateLimiter.MAX_HOLD.plusSeconds(1));
    }

    @Test
    void aUsedUpBudgetHoldsEveryCallerUntilItResets() throws Exception {
        EmbeddingRateLimiter limiter = adaptive();
        limiter.learn(new QuotaHint(OptionalLong.of(2000), OptionalLong.empty(), OptionalLong.of(0),
                OptionalLong.empty(), Optional.of(Duration.ofSeconds(7)), Optional.empty()));
        limiter.acquire(1);
        assertThat(time.totalSlept()).isGreaterThanOrEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aRetryDelayHoldsEveryCaller() throws Exception {
        EmbeddingRateLimiter limiter = adaptive();
        limiter.onRateLimited(Optional.of(Duration.ofSeconds(5)));
        limiter.acquire(1);
        assertThat(time.totalSlept()).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aFixedLimiterDoesNotMove() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100, 1_000_000, time, time);
        Run run = against(3000, limiter, Duration.ofMinutes(2));
        assertThat(limiter.currentRequestsPerMinute()).isEqualTo(100);
        assertThat(run.rateOver(10, 120)).isBetween(90.0, 110.0);
    }
}
