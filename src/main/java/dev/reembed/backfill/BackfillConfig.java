package dev.reembed.backfill;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;

/** The backfill worker ({@code reembed.backfill.*}). */
@ConfigMapping(prefix = "reembed.backfill")
public interface BackfillConfig {

    /** Rows per provider call when a run does not say (Gemini takes at most 100). */
    @Min(1)
    @Max(1000)
    int batchSize();

    /** Provider calls in flight per replica when a run does not say. */
    @Min(1)
    @Max(64)
    int concurrency();

    /** How long a leased batch stays a worker's before another replica may take it (a dead replica's work comes back). */
    Duration leaseDuration();

    /** Attempts of one row on transient errors before it is recorded as failed and skipped. */
    @Min(1)
    @Max(50)
    int maxAttempts();

    /** When every provider call has failed for this long, the run pauses with lastError instead of failing rows. */
    Duration outagePauseAfter();

    /** Wait after a transient failure the provider gave no retry delay for; doubles per failure, capped at 30 s. */
    Duration retryBackoff();

    /** How often each replica looks for a run to work on. */
    Duration pollInterval();

    /** Scheduled sweep: after a completed run, rows added or changed later are embedded by a small run. */
    Sweep sweep();

    interface Sweep {
        boolean enabled();

        Duration interval();
    }
}
