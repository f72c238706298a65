package dev.reembed.backfill;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code POST /api/backfills}: every field optional; defaults from configuration. */
@RegisterForReflection
public record BackfillRequest(
        @Size(min = 1, max = 200) String model,
        @Min(1) @Max(16000) Integer dimensions,
        @Min(1) @Max(1000) Integer batchSize,
        @Min(1) @Max(64) Integer concurrency,
        Scope scope,
        /** What to do with the HNSW index during the run; default {@code reembed.backfill.index.strategy}. */
        IndexStrategy searchIndex) {
}
