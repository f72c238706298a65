package dev.reembed.backfill;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.reembed.embedding.EmbeddingException;

/**
 * Tells an outage from a bad row, across the workers of one run in this replica, and says what a
 * failed call means for its rows. While some calls succeed, a failing batch counts attempts
 * against its rows; when every call has failed for {@code outageAfter}, the provider is down and
 * the run pauses instead of failing every row.
 *
 * <p>Everything it knows belongs to one generation of the run (bumped by each start, resume and
 * retry, {@link RunRow#generation()}): a call that started before a resume and fails after it says
 * nothing about the provider now, so its failure neither counts nor pauses.
 */
final class ProviderHealth {

    /** What a failed call means. */
    enum Verdict {
        /** The texts were refused (400, too long): split the batch until the offending rows stand alone, and fail those. */
        REJECTED,
        /** Nothing will succeed until an operator acts (quota for the day, credentials, a broken provider): pause. */
        PAUSE,
        /** Other calls succeed: the rows use up an attempt, and fail after the last. */
        COUNT_ATTEMPT,
        /** Every recent call failed, not yet for long: give the rows back and wait. */
        HOLD,
        /** Every call has failed for {@code outageAfter}: give the rows back and pause the run. */
        OUTAGE,
        /** The call started in an earlier generation of the run: give its rows back, count nothing. */
        STALE
    }

    private final Clock clock;
    private final Duration outageAfter;
    private int generation = Integer.MIN_VALUE;
    private Instant lastSuccess;
    private Instant failingSince;

    ProviderHealth(Clock clock, Duration outageAfter) {
        this.clock = clock;
        this.outageAfter = outageAfter;
    }

    /** A call of {@code generation} is about to start: a newer generation starts with a clean slate. */
    synchronized void starting(int generation) {
        if (generation > this.generation) {
            this.generation = generation;
            lastSuccess = null;
            failingSince = null;
        }
    }

    synchronized void success(int generation) {
        starting(generation);
        if (generation == this.generation) {
            lastSuccess = clock.instant();
            failingSince = null;
        }
    }

    /** The verdict on a failed call that started in {@code generation}. */
    synchronized Verdict failure(EmbeddingException e, int generation) {
        starting(generation);
        if (generation < this.generation) {
            return Verdict.STALE;
        }
        return switch (e.code().kind()) {
            case BAD_INPUT -> Verdict.REJECTED;
            case OPERATOR -> Verdict.PAUSE;
            case TRANSIENT -> transientFailure();
        };
    }

    private Verdict transientFailure() {
        Instant now = clock.instant();
        if (failingSince == null) {
            failingSince = now;
        }
        if (lastSuccess != null && Duration.between(lastSuccess, now).compareTo(outageAfter) < 0) {
            return Verdict.COUNT_ATTEMPT;
        }
        return Duration.between(failingSince, now).compareTo(outageAfter) >= 0 ? Verdict.OUTAGE : Verdict.HOLD;
    }

    /** How long every call of the current generation has failed. */
    synchronized Duration failingFor() {
        return failingSince == null ? Duration.ZERO : Duration.between(failingSince, clock.instant());
    }
}
