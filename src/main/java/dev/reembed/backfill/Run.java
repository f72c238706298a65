package dev.reembed.backfill;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A backfill run as the API shows it (CONTRACT.md "Run"). */
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
        String lastError) {
}
