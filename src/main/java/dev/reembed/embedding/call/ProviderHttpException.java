package dev.reembed.embedding.call;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.ws.rs.core.Response;

/**
 * A vendor's non-2xx HTTP answer, with its raw body and headers; turned into an EmbeddingException
 * by the vendor's {@link VendorErrors} and {@link ProviderCaller}. Its message holds only the status:
 * the body is parsed, never echoed whole.
 */
public class ProviderHttpException extends RuntimeException {

    private final int status;
    private final String body;
    private final Map<String, String> headers;

    public ProviderHttpException(int status, String body) {
        this(status, body, Map.of());
    }

    /** @param headers the answer's headers (first value of each); names are matched case-insensitively */
    public ProviderHttpException(int status, String body, Map<String, String> headers) {
        super("HTTP " + status, null, false, false);
        this.status = status;
        this.body = body == null ? "" : body;
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.putAll(headers);
        this.headers = h;
    }

    /** For a REST client's {@code @ClientExceptionMapper}. */
    public static ProviderHttpException from(Response response) {
        String body;
        try {
            body = response.hasEntity() ? response.readEntity(String.class) : "";
        } catch (RuntimeException e) {
            body = "";
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        response.getStringHeaders().forEach((name, values) -> {
            if (values != null && !values.isEmpty()) {
                headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        return new ProviderHttpException(response.getStatus(), body, headers);
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    public Map<String, String> headers() {
        return headers;
    }

}
