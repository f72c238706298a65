package dev.reembed.embedding.gemini;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Gemini API ({@code reembed.gemini.*}). */
@ConfigMapping(prefix = "reembed.gemini")
public interface GeminiConfig {

    /** The API key (application.properties reads GEMINI_API_KEY). Never logged. */
    Optional<String> apiKey();

    @WithDefault("https://generativelanguage.googleapis.com/v1beta")
    String baseUrl();

    /** Items per batchEmbedContents request; the API refuses more than 100. */
    @WithDefault("100")
    @Min(1)
    @Max(100)
    int batchSize();

    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest wait for one batch's answer before it counts as a timeout (and is retried). */
    @WithDefault("60s")
    Duration readTimeout();
}
