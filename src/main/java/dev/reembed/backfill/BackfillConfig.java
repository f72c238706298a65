package dev.reembed.backfill;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

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

    /**
     * How long a leased batch stays a worker's without renewal: a killed replica's rows are taken
     * over by the others after at most this long.
     */
    Duration leaseDuration();

    /** How often a replica renews the leases of its in-flight batches; at most half of {@link #leaseDuration()}. */
    Duration leaseRenewal();

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

    /** The HNSW index during a run: dropped for a large run and built once at its end. */
    Index index();

    interface Index {
        /** AUTO: drop for runs of at least {@link #rebuildThreshold()} rows; KEEP: never; REBUILD: always. */
        IndexStrategy strategy();

        @Min(0)
        long rebuildThreshold();

        /** maintenance_work_mem of the build, e.g. 1GB: the graph should fit (about 8 KB a row at 1536 d). */
        @Pattern(regexp = "\\d{1,7}(kB|MB|GB)", message = "must be a size such as 512MB or 2GB")
        String maintenanceWorkMem();

        /** max_parallel_maintenance_workers of the build on pgvector >= 0.8.2 (older versions build serially). */
        @Min(0)
        @Max(64)
        int parallelWorkers();
    }

    interface Sweep {
        boolean enabled();

        Duration interval();
    }
}
