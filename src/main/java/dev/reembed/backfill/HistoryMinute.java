package dev.reembed.backfill;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One minute of a run's history (docs/api.md, "Backfills"); {@code minute} is its start. */
@RegisterForReflection
public record HistoryMinute(Instant minute, long rows, long tokens, long calls, long rateLimited, long errors, long leaseTakeovers) {
}
