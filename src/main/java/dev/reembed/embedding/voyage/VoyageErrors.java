package dev.reembed.embedding.voyage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.ws.rs.ProcessingException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.call.ConnectionFailures;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.ProviderHttpException;
import dev.reembed.embedding.call.RetryAfter;
import dev.reembed.embedding.call.VendorErrors;

/**
 * Voyage AI's failures by status (docs.voyageai.com/docs/error-codes): 400 invalid request (bad
 * parameter, too many texts, too many tokens in the batch) INVALID_ARGUMENT; 401 UNAUTHENTICATED;
 * 403 (IP forbidden) PERMISSION_DENIED; 429 RATE_LIMITED, retried (after Retry-After if one is sent:
 * none is documented, so usually after a backoff); 500/502/503 UNAVAILABLE and 504 TIMEOUT, retried.
 *
 * <p>The body is read defensively: Voyage answers {@code {"detail": "..."}} (seen in real 400s and
 * 401s; the official Python client reads {@code detail}, which may also be a list of
 * {@code {msg, loc, type}} validation errors); anything else (a gateway's HTML page) is quoted
 * shortened, or only the status is given.
 */
public final class VoyageErrors implements VendorErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 400;

    @Override
    public Optional<Failure> classify(RuntimeException e) {
        if (e instanceof ProcessingException) {
            return Optional.of(ConnectionFailures.of(e));
        }
        if (!(e instanceof ProviderHttpException)) {
            return Optional.empty();
        }
        ProviderHttpException http = (ProviderHttpException) e;
        int status = http.status();
        String said = "HTTP " + status + detail(http.body()).map(d -> ": " + d).orElse("");
        if (status == 401) {
            return Optional.of(Failure.fail(Code.UNAUTHENTICATED,
                    "was refused: the API key is missing or invalid (" + said + ")"));
        }
        if (status == 403) {
            return Optional.of(Failure.fail(Code.PERMISSION_DENIED,
                    "was refused: forbidden, e.g. for the calling IP address (" + said + ")"));
        }
        if (status == 429) {
            return Optional.of(Failure.rateLimited(RetryAfter.of(name -> http.header(name).orElse(null)),
                    "is rate limited (" + said + ")"));
        }
        if (status == 404) {
            return Optional.of(Failure.fail(Code.NOT_FOUND, "found no such model or endpoint (" + said
                    + "); check the model id and the base URL"));
        }
        if (status == 500 || status == 502 || status == 503 || status == 504) {
            return Optional.of(Failure.retry(status == 504 ? Code.TIMEOUT : Code.UNAVAILABLE,
                    "got HTTP " + status + " (" + said + ")"));
        }
        return Optional.of(Failure.fail(Code.INVALID_ARGUMENT, "was rejected (" + said + ")"));
    }

    /** What the body says: {@code detail} as text or as a list of validation errors, else the raw text. */
    static Optional<String> detail(String body) {
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        String text;
        try {
            JsonNode detail = JSON.readTree(body).path("detail");
            text = detail.isTextual() ? detail.asText() : detail.isArray() ? validationErrors(detail) : plain(body);
        } catch (java.io.IOException | RuntimeException e) {
            text = plain(body); // not JSON: a proxy's page
        }
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "…" : text);
    }

    /** A gateway's HTML page as one line of text. */
    private static String plain(String body) {
        return body.replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").strip();
    }

    private static String validationErrors(JsonNode list) {
        List<String> parts = new ArrayList<>();
        for (JsonNode item : list) {
            String msg = item.path("msg").asText(item.isTextual() ? item.asText() : "");
            String loc = item.path("loc").isMissingNode() ? "" : " at " + item.path("loc");
            parts.add((msg + loc).strip());
        }
        return String.join("; ", parts);
    }
}
