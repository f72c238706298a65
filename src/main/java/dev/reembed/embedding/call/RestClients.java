package dev.reembed.embedding.call;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;

/**
 * Builds a vendor's Quarkus REST client programmatically (base URL and timeouts from the vendor's
 * config), so tests can point it at a fake. Needs a running Quarkus application (ArC).
 */
public final class RestClients {

    private RestClients() {
    }

    public static <T> T create(Class<T> api, String baseUrl, Duration connectTimeout, Duration readTimeout) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(base))
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .build(api);
    }
}
