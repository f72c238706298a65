package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The limiter on a fake clock: waits are computed, never slept for real. */
class EmbeddingRateLimiterTest {

    final FakeTime time = new FakeTime();

    @Test
    void requestsPerMinuteAllowsABurstThenSpacesRequests() throws Exception {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(2, 1_000_000, time, time);

        limiter.acquire(10);
        limiter.acquire(10);
        assertThat(time.sleeps()).isEmpty();

        limiter.acquire(10);
        assertThat(time.totalSlept()).isEqualTo(Duration.ofSeconds(30)); // 2 per minute = one per 30 s
        limiter.acquire(10);
        assertThat(time.totalSlept()).isEqualTo(Duration.ofSeconds(60));
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
