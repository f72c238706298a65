package dev.reembed.embedding;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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

    /**
     * How the in-place schema change stores the vectors: {@code AUTO} (halfvec above the 2,000
     * dimensions an HNSW index on vector holds), {@code VECTOR} or {@code HALFVEC}. Read through
     * {@link #storageType()}; the start-up check refuses a value that is none of them.
     */
    @WithDefault("AUTO")
    String storage();

    /**
     * The column type the schema change makes, the one place {@link #storage()} is resolved.
     *
     * @throws IllegalArgumentException when the setting is not AUTO, VECTOR or HALFVEC
     */
    default VectorColumnType storageType() {
        try {
            return VectorColumnType.resolve(storage(), dimensions());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reembed.target.storage=" + storage() + " is not AUTO, VECTOR or HALFVEC", e);
        }
    }
}
