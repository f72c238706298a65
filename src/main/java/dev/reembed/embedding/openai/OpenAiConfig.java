package dev.reembed.embedding.openai;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The OpenAI embeddings API ({@code reembed.openai.*}). */
@ConfigMapping(prefix = "reembed.openai")
public interface OpenAiConfig {

    /** The API key (application.properties reads OPENAI_API_KEY). Never logged. */
    Optional<String> apiKey();

    @WithDefault("https://api.openai.com/v1")
    String baseUrl();

    /** Most inputs per request; the API takes at most 2048 (and 300,000 tokens, applied as well). */
    @WithDefault("2048")
    @Min(1)
    @Max(2048)
    int batchSize();

    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest wait for one request's answer before it counts as a timeout (and is retried). */
    @WithDefault("60s")
    Duration readTimeout();
}
