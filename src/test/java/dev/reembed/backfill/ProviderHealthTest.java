package dev.reembed.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import dev.reembed.backfill.ProviderHealth.Verdict;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;

/** The worker's decisions on a failed call: outage vs bad row vs rejected batch, and calls from before a resume. */
class ProviderHealthTest {

    private Instant now = Instant.parse("2026-12-01T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    };
    private final ProviderHealth health = new ProviderHealth(clock, Duration.ofSeconds(60));

    private static EmbeddingException error(Code code) {
        return new EmbeddingException(code, "test");
    }

    private void advance(long seconds) {
        now = now.plusSeconds(seconds);
    }

    @Test
    void aRefusedTextIsTheBatchsFaultNotTheProviders() {
        assertThat(health.failure(error(Code.INVALID_ARGUMENT), 1)).isEqualTo(Verdict.REJECTED);
        assertThat(health.failure(error(Code.INPUT_TOO_LONG), 1)).isEqualTo(Verdict.REJECTED);
    }

    @Test
    void whatOnlyAnOperatorCanFixPausesAtOnce() {
        for (Code code : new Code[] {Code.DAILY_QUOTA_EXHAUSTED, Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.INTERNAL}) {
            assertThat(health.failure(error(code), 1)).as(code.name()).isEqualTo(Verdict.PAUSE);
        }
    }

    @Test
    void whileOtherCallsSucceedAFailureCostsTheRowsAnAttempt() {
        health.success(1);
        advance(30);
        assertThat(health.failure(error(Code.UNAVAILABLE), 1)).isEqualTo(Verdict.COUNT_ATTEMPT);
        assertThat(health.failure(error(Code.BAD_RESPONSE), 1)).isEqualTo(Verdict.COUNT_ATTEMPT);
    }

    @Test
    void whenEveryCallFailsTheRowsWaitAndThenTheRunPauses() {
        assertThat(health.failure(error(Code.UNAVAILABLE), 1)).isEqualTo(Verdict.HOLD);
        advance(59);
        assertThat(health.failure(error(Code.TIMEOUT), 1)).isEqualTo(Verdict.HOLD);
        advance(1);
        assertThat(health.failure(error(Code.RATE_LIMITED), 1)).isEqualTo(Verdict.OUTAGE);
        assertThat(health.failingFor()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aSuccessEndsTheOutageClock() {
        health.failure(error(Code.UNAVAILABLE), 1);
        advance(50);
        health.success(1);
        advance(70); // the success is now old: the provider's state is unknown again
        assertThat(health.failure(error(Code.UNAVAILABLE), 1)).isEqualTo(Verdict.HOLD);
    }

    @Test
    void aCallFromBeforeTheResumeSaysNothingAboutTheProviderNow() {
        health.failure(error(Code.UNAVAILABLE), 1);
        advance(120); // an outage in generation 1 ...
        assertThat(health.failure(error(Code.UNAVAILABLE), 1)).isEqualTo(Verdict.OUTAGE);

        health.starting(2); // ... the run paused and was resumed: a call of generation 2 starts
        assertThat(health.failure(error(Code.UNAVAILABLE), 1)).as("in flight across the resume").isEqualTo(Verdict.STALE);
        assertThat(health.failure(error(Code.DAILY_QUOTA_EXHAUSTED), 1)).isEqualTo(Verdict.STALE);
        assertThat(health.failure(error(Code.UNAVAILABLE), 2)).as("the new generation's clock starts now").isEqualTo(Verdict.HOLD);
    }

    @Test
    void theFirstFailureOfANewGenerationStartsItsClockWithoutAnyCallHavingStarted() {
        health.failure(error(Code.UNAVAILABLE), 1);
        advance(120);
        assertThat(health.failure(error(Code.UNAVAILABLE), 2)).isEqualTo(Verdict.HOLD);
        assertThat(health.failure(error(Code.UNAVAILABLE), 1)).isEqualTo(Verdict.STALE);
    }
}
