package dev.reembed.embedding.google;

import jakarta.ws.rs.core.Response;

/**
 * A non-2xx answer of a Google API, with its raw body; turned into an EmbeddingException by
 * {@link GoogleApiCaller}. Its message holds only the status: the body is parsed, never echoed whole.
 */
public class GoogleHttpException extends RuntimeException {

    private final int status;
    private final String body;

    public GoogleHttpException(int status, String body) {
        super("HTTP " + status, null, false, false);
        this.status = status;
        this.body = body == null ? "" : body;
    }

    /** For a REST client's {@code @ClientExceptionMapper}. */
    public static GoogleHttpException from(Response response) {
        String body;
        try {
            body = response.hasEntity() ? response.readEntity(String.class) : "";
        } catch (RuntimeException e) {
            body = "";
        }
        return new GoogleHttpException(response.getStatus(), body);
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
