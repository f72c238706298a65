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

    /** maintenance_work_mem for the shadow index's build. */
    @WithDefault("512MB")
    String maintenanceWorkMem();
}
