package dev.reembed.migration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import io.smallrye.config.ConfigMapping;

/** The schema change ({@code reembed.migration.*}): where the store comes from. */
@ConfigMapping(prefix = "reembed.migration")
public interface MigrationConfig {

    /** The model that made the vectors stored before the change ({@code text-embedding-004}). */
    @NotBlank
    String sourceModel();

    /** The column's dimension before the change (768): V2 and the rollback use it. */
    @Min(1)
    @Max(16000)
    int sourceDimensions();
}
