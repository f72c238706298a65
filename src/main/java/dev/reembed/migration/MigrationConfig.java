package dev.reembed.migration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import io.smallrye.config.ConfigMapping;

/** The schema change ({@code reembed.migration.*}). Defaults live in application.properties. */
@ConfigMapping(prefix = "reembed.migration")
public interface MigrationConfig {

    /**
     * Flyway target applied at start-up: {@code latest}, or a version such as {@code 2} to hold the
     * destructive embedding change (V3) until an operator calls {@code POST /api/migration/apply}.
     */
    @Pattern(regexp = "latest|\\d+(\\.\\d+)*", message = "must be 'latest' or a version such as 2")
    String startTarget();

    /** The model that made the vectors stored before the change ({@code text-embedding-004}). */
    @NotBlank
    String sourceModel();

    /** The column's dimension before the change (768): V2 and the rollback use it. */
    @Min(1)
    @Max(16000)
    int sourceDimensions();

    /** Parameters of the HNSW index V3 builds. */
    Hnsw hnsw();

    interface Hnsw {
        /** Max connections per layer (pgvector: 2–100, default 16). */
        @Min(2)
        @Max(100)
        int m();

        /** Candidate list size while building (pgvector: 4–1000 and at least 2·m, default 64). */
        @Min(4)
        @Max(1000)
        int efConstruction();
    }
}
