package dev.reembed.backfill;

import java.math.BigDecimal;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code GET /api/backfills/estimate}: seed 001's "Cost Estimation" table computed from the data.
 * {@code estimatedDurationSeconds} is what the configured client-side quota allows (requests and
 * tokens per minute), null for the local provider, which has no quota.
 */
@RegisterForReflection
public record Estimate(
        Scope scope,
        String provider,
        String model,
        int dimensions,
        long rows,
        long estimatedInputTokens,
        double averageTokensPerRow,
        BigDecimal pricePerMillionTokens,
        BigDecimal estimatedCostUsd,
        long requests,
        int requestsPerMinute,
        long tokensPerMinute,
        Long estimatedDurationSeconds,
        long storageBytes) {
}
