package dev.reembed.embedding.vertex;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Vertex AI ({@code reembed.vertex.*}); credentials are Google application default credentials. */
@ConfigMapping(prefix = "reembed.vertex")
public interface VertexConfig {

    /** Google Cloud project id (application.properties reads GOOGLE_CLOUD_PROJECT). */
    Optional<String> project();

    @WithDefault("us-central1")
    String location();

    /** Default https://{location}-aiplatform.googleapis.com/v1; set for a proxy or a test fake. */
    Optional<String> baseUrl();

    /**
     * Let Vertex truncate over-long input. Off: texts are kept under the model's limit client-side
     * (reembed.embedding.oversized-input), so a text the estimate lets through and Vertex still
     * finds too long fails loudly instead of being silently cut.
     */
    @WithDefault("false")
    boolean autoTruncate();

    @WithDefault("10s")
    Duration connectTimeout();

    @WithDefault("60s")
    Duration readTimeout();
}
