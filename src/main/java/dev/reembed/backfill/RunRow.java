package dev.reembed.backfill;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/**
 * A run as stored. {@code generation} is bumped each time the run (re)enters RUNNING: a worker's
 * verdicts about the provider hold only within the generation its call started in.
 */
public record RunRow(long id, RunStatus status, String model, int dimensions, Scope scope, int batchSize,
        int concurrency, BigDecimal pricePerMillion, long total, long succeeded, long failed, long inputTokens,
        String trigger, OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime updatedAt,
        OffsetDateTime finishedAt, String lastError, int generation, IndexStrategy indexStrategy,
        OffsetDateTime indexDroppedAt, OffsetDateTime indexBuildStartedAt, OffsetDateTime indexBuiltAt, Long indexBuildMs,
        VectorColumn vectorColumn, Long migrationId) {

    /** The run dropped the search index and it is not back yet. */
    boolean indexPending() {
        return indexDroppedAt != null && indexBuiltAt == null;
    }

    /** What a worker checks between batches: one small row. */
    public record State(RunStatus status, int generation) {
    }
}
