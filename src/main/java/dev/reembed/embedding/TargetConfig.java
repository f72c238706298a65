package dev.reembed.embedding;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import io.smallrye.config.ConfigMapping;

/**
 * The model the store moves to ({@code reembed.target.*}). The only place the target dimension
 * is set: the schema change (Flyway placeholder {@code target_dimensions}), the providers and the
 * vector writes all read it from here. Defaults live in application.properties.
 */
@ConfigMapping(prefix = "reembed.target")
public interface TargetConfig {

    /** Model id, e.g. {@code gemini-embedding-001}. */
    @NotBlank
    String model();

    /** Output dimensionality of the stored vectors, e.g. 1536. */
    @Min(1)
    @Max(16000)
    int dimensions();
}
