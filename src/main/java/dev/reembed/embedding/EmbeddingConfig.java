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
    String OPENAI = "openai";
    String VOYAGE = "voyage";
    String BEDROCK = "bedrock";
    String PROVIDERS = "gemini, vertex-ai, openai, voyage, bedrock or local";

    /** gemini | vertex-ai | openai | voyage | bedrock | local. */
    @WithDefault(LOCAL)
    @Pattern(regexp = "gemini|vertex-ai|openai|voyage|bedrock|local", message = "must be " + PROVIDERS)
    String provider();

    /**
     * Client-side requests per minute, shared by every worker of the process: the limit, or with
     * {@link #adaptive()} the rate the limiter starts from (the Gemini free tier's).
     */
    @WithDefault("100")
    @Min(1)
    int requestsPerMinute();

    /** Client-side (estimated) input tokens per minute, shared by every worker; like {@link #requestsPerMinute()}. */
    @WithDefault("30000")
    @Min(1)
    long tokensPerMinute();

    /**
     * Whether the limiter looks for the provider's real quota: it learns it from the vendor's
     * rate-limit headers where there are some, and otherwise raises its rates while nothing is
     * refused and cuts them on each 429 (see EmbeddingRateLimiter). Off, the rates above are fixed.
     */
    @WithDefault("true")
    boolean adaptive();

    /** The most requests per minute the adaptive limiter goes to (default: Gemini's Tier 1 for embeddings). */
    @WithDefault("3000")
    @Min(1)
    int maxRequestsPerMinute();

    /** The most tokens per minute the adaptive limiter goes to (default: Gemini's Tier 1 for embeddings). */
    @WithDefault("1000000")
    @Min(1)
    long maxTokensPerMinute();

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
