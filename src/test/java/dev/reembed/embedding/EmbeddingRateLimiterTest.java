package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The limiter on a fake clock: waits are computed, never slept for real. */
class EmbeddingRateLimiterTest {

    final FakeTime time = new FakeTime();

    @Test
    void requestsPerMinuteAllowsATenthOfAMinuteAtOnceThenSpacesRequests() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(20, 1_000_000, time, time);

        limiter.acquire(10);
        limiter.acquire(10); // a tenth of 20 per minute: 2 at once
        assertThat(time.sleeps()).isEmpty();

        limiter.acquire(10);
        assertThat(time.totalSlept()).isEqualTo(Duration.ofSeconds(3)); // 20 per minute = one per 3 s
        limiter.acquire(10);
        assertThat(time.totalSlept()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void noMinuteSeesMuchMoreThanTheQuota() throws Exception {
        // A backfill starting on an idle limiter: 600 per minute, requests as fast as allowed for 3 minutes.
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(600, 1_000_000_000, time, time);
        java.util.List<Long> sentAt = new java.util.ArrayList<>();
        while (time.currentTimeNanos() < Duration.ofMinutes(3).toNanos()) {
            limiter.acquire(1);
            sentAt.add(time.currentTimeNanos());
        }
        long window = Duration.ofMinutes(1).toNanos();
        int worst = 0;
        for (int i = 0, j = 0; i < sentAt.size(); i++) {
            while (sentAt.get(i) - sentAt.get(j) >= window) {
                j++;
            }
            worst = Math.max(worst, i - j + 1);
        }
        assertThat(worst).as("requests in the busiest 60 s").isBetween(600, 660);
    }

    @Test
    void tokensPerMinuteWaitsForTheTokensARequestCarries() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(1000, 600, time, time);

        limiter.acquire(600);
        assertThat(time.sleeps()).isEmpty();

        limiter.acquire(300); // 600 per minute = 10 per second
        assertThat(time.totalSlept()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void budgetRefillsWithTimeSoAnIdleLimiterDoesNotWait() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(1, 100, time, time);
        limiter.acquire(100);
        time.advance(Duration.ofMinutes(1));

        limiter.acquire(100);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void aRequestLargerThanTheWholeTokenBudgetTakesTheBudgetInsteadOfWaitingForever() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(1000, 100, time, time);

        limiter.acquire(5_000);
        assertThat(time.sleeps()).isEmpty();
        limiter.acquire(50);
        assertThat(time.totalSlept()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void callersShareOneBudget() throws Exception {
        // Two workers holding the same limiter: the second pays for the first's request.
        EmbeddingRateLimiter shared = new EmbeddingRateLimiter(1, 1_000_000, time, time);
        Runnable worker = () -> {
            try {
                shared.acquire(1);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        worker.run();
        worker.run();
        assertThat(time.totalSlept()).isEqualTo(Duration.ofMinutes(1));
    }
}
