package dev.reembed.online;

import java.time.OffsetDateTime;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** GET /api/migration/online (docs/api.md, "Online migration"). */
@RegisterForReflection
public record OnlineMigration(long id, OnlinePhase phase, Side source, Side target, boolean autoCutover, Long backfillRunId,
        Coverage coverage, Index index, Cutover cutover, String liveColumn, List<Step> steps, String closing, String lastError,
        OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    @RegisterForReflection
    public record Side(String model, int dimensions, String type) {
    }

    @RegisterForReflection
    public record Coverage(long done, long total, double percent) {
    }

    /** state: WAITING (backfill not done), BUILDING, BUILT; progress 0..1 from pg_stat_progress_create_index. */
    @RegisterForReflection
    public record Index(String state, Double progress, String buildPhase, Double buildSeconds) {
    }

    /** The last swap (cutover or swap-back): when, how long the table lock was held and waited for. */
    @RegisterForReflection
    public record Cutover(OffsetDateTime at, Integer lockMs, Integer lockWaitMs, Integer attempts) {
    }

    @RegisterForReflection
    public record Step(String phase, OffsetDateTime at, String detail) {
    }
}
