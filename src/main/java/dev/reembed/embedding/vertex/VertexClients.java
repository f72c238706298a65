package dev.reembed.embedding.vertex;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;

/** Builds the Vertex REST client (programmatic, so tests can point it at a fake). */
public final class VertexClients {

    private VertexClients() {
    }

    public static VertexClient create(String baseUrl, Duration connectTimeout, Duration readTimeout) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(base))
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .build(VertexClient.class);
    }
}
