package dev.reembed.embedding.voyage;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Voyage AI embeddings API ({@code reembed.voyage.*}). */
@ConfigMapping(prefix = "reembed.voyage")
public interface VoyageConfig {

    /** The API key (application.properties reads VOYAGE_API_KEY). Never logged. */
    Optional<String> apiKey();

    @WithDefault("https://api.voyageai.com/v1")
    String baseUrl();

    /** Most texts per request; the API takes at most 1000 (and a per-model token sum, applied as well). */
    @WithDefault("1000")
    @Min(1)
    @Max(1000)
    int batchSize();

    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest wait for one request's answer before it counts as a timeout (and is retried). */
    @WithDefault("60s")
    Duration readTimeout();
}
