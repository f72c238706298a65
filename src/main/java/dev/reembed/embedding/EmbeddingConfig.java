package dev.reembed.embedding;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which embedding back end to use and how hard to drive it ({@code reembed.embedding.*}). */
@ConfigMapping(prefix = "reembed.embedding")
public interface EmbeddingConfig {

    String GEMINI = "gemini";
    String VERTEX_AI = "vertex-ai";
    String LOCAL = "local";

    /** gemini | vertex-ai | local. */
    @WithDefault(LOCAL)
    @Pattern(regexp = "gemini|vertex-ai|local", message = "must be gemini, vertex-ai or local")
    String provider();

    /** Client-side limit of API requests per minute, shared by every worker of the process. */
    @WithDefault("100")
    @Min(1)
    int requestsPerMinute();

    /** Client-side limit of (estimated) input tokens per minute, shared by every worker. */
    @WithDefault("30000")
    @Min(1)
    long tokensPerMinute();

    /** Retries of one request after a 429 (per-minute), a 5xx or a timeout; 0 = no retry. */
    @WithDefault("5")
    @Min(0)
    @Max(20)
    int maxRetries();

    /** First backoff when the API gives no RetryInfo; doubles per attempt, with full jitter. */
    @WithDefault("1s")
    Duration initialBackoff();

    /** Cap of one backoff. */
    @WithDefault("60s")
    Duration maxBackoff();

    /** A 429 whose retryDelay is longer than this fails as RATE_LIMITED instead of blocking a worker. */
    @WithDefault("120s")
    Duration maxRetryDelay();

    /** What to do with a text over the model's input limit: truncate it, or reject it (INPUT_TOO_LONG). */
    @WithDefault("truncate")
    @Pattern(regexp = "truncate|reject", message = "must be truncate or reject")
    String oversizedInput();
}
