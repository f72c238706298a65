package dev.reembed.online;

import java.time.OffsetDateTime;

import dev.reembed.embedding.VectorColumnType;

/** An online migration as stored (V2.6). {@code swaps} odd: questions.embedding holds the target. */
public record OnlineMigrationRow(long id, OnlinePhase phase, Side source, Side target, boolean autoCutover, int batchSize,
        int concurrency, Long backfillRunId, int swaps, OffsetDateTime indexStartedAt, OffsetDateTime indexBuiltAt,
        Long indexBuildMs, OffsetDateTime cutoverAt, Integer cutoverLockMs, Integer cutoverLockWaitMs, Integer cutoverAttempts,
        boolean markedV3, String closing, String lastError, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    /** A model at a dimension, stored as a column type. */
    public record Side(String model, int dimensions, VectorColumnType type) {
    }

    /** The side questions.embedding holds now. */
    public Side live() {
        return swaps % 2 == 1 ? target : source;
    }

    /** The side the other column (embedding_next before the cutover, embedding_prev after) holds. */
    public Side other() {
        return swaps % 2 == 1 ? source : target;
    }
}
