package dev.reembed.online;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The online migration ({@code reembed.online.*}, docs/online-migration.md). */
@ConfigMapping(prefix = "reembed.online")
public interface OnlineConfig {

    /** How long a schema change waits for its lock before it gives up and tries again: readers queue behind a waiting ACCESS EXCLUSIVE. */
    @WithDefault("500ms")
    Duration lockTimeout();

    /** Tries of a schema change that did not get its lock, with a growing pause between them. */
    @WithDefault("10")
    @Min(1)
    @Max(100)
    int lockRetries();

    /** How often each replica's driver looks at the open migration. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Rows changed since the backfill that the cutover embeds and writes itself, under its lock; more wait for the backfill. */
    @WithDefault("100")
    @Min(0)
    @Max(10000)
    int maxCutoverRows();

    /**
     * Workers of the shadow's backfill when the start request names none. Lower than a backfill's
     * (reembed.backfill.concurrency): every shadow write also enters the live HNSW index, and search
     * shares the machine. On 2 cores, 2 workers backfilled as fast as 4 (476 s vs 452 s for 100,000
     * rows) with search p95 at 1.29x its baseline instead of 2.21x (docs/BENCHMARKS.md).
     */
    @WithDefault("2")
    @Min(1)
    @Max(64)
    int concurrency();

    /** maintenance_work_mem for the shadow index's build. */
    @WithDefault("512MB")
    String maintenanceWorkMem();
}
