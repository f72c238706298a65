package dev.reembed.backfill;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A backfill run as the API shows it (docs/api.md, "Run"). */
@RegisterForReflection
public record Run(
        long id,
        RunStatus status,
        String model,
        int dimensions,
        Scope scope,
        int batchSize,
        int concurrency,
        String trigger,
        long total,
        long processed,
        long succeeded,
        long failed,
        long remaining,
        double percent,
        Double rowsPerSecond,
        Long etaSeconds,
        long inputTokens,
        BigDecimal estimatedCostUsd,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime updatedAt,
        OffsetDateTime finishedAt,
        String lastError,
        SearchIndexState searchIndex,
        String provider,
        BigDecimal pricePerMillionTokens,
        String vectorColumn,
        Long migrationId) {

    /**
     * The HNSW index during the run: KEPT (never dropped), DROPPED (rows still being written, searches
     * are exact scans), BUILDING, BUILT (back, {@code buildSeconds} when this run built it).
     */
    @RegisterForReflection
    public record SearchIndexState(IndexStrategy strategy, String state, OffsetDateTime droppedAt, OffsetDateTime buildStartedAt,
            OffsetDateTime builtAt, Double buildSeconds) {
    }
}
