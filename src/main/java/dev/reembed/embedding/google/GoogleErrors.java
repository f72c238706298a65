package dev.reembed.embedding.google;

import java.util.Optional;

import jakarta.ws.rs.ProcessingException;

import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.call.ConnectionFailures;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.ProviderHttpException;
import dev.reembed.embedding.call.VendorErrors;

/**
 * Google's failures (Gemini API, Vertex AI), read from the google.rpc.Status body:
 * <ul>
 * <li>429 with a per-day QuotaFailure: DAILY_QUOTA_EXHAUSTED, not retried.</li>
 * <li>429: RATE_LIMITED, retried after RetryInfo.retryDelay when given.</li>
 * <li>500/502/503/504: retried.</li>
 * <li>401, UNAUTHENTICATED or API_KEY_INVALID (Google sends that as a 400): UNAUTHENTICATED; 403: PERMISSION_DENIED.</li>
 * <li>400, 404 and the rest: INVALID_ARGUMENT, the same request would fail again.</li>
 * </ul>
 */
public final class GoogleErrors implements VendorErrors {

    @Override
    public Optional<Failure> classify(RuntimeException e) {
        if (e instanceof ProcessingException) {
            return Optional.of(ConnectionFailures.of(e));
        }
        if (!(e instanceof ProviderHttpException http)) {
            return Optional.empty();
        }
        GoogleApiError error = GoogleApiError.parse(http.status(), http.body());
        int status = http.status();
        String said = describe(error);
        if (status == 401 || error.apiKeyInvalid() || "UNAUTHENTICATED".equals(error.status())) {
            return Optional.of(Failure.fail(Code.UNAUTHENTICATED,
                    "was refused: the credentials are missing or invalid (" + said + ")"));
        }
        if (status == 403) {
            return Optional.of(Failure.fail(Code.PERMISSION_DENIED,
                    "was refused: the credentials may not use this model (" + said + ")"));
        }
        if (status == 429) {
            if (error.perDayQuota()) {
                return Optional.of(new Failure(Code.DAILY_QUOTA_EXHAUSTED, false, true, error.retryDelay(),
                        ": a per-day quota is exhausted (" + String.join(", ", error.quotaIds())
                                + "); nothing more can be embedded until it resets"));
            }
            return Optional.of(Failure.rateLimited(error.retryDelay(), "is rate limited (" + said + ")"));
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

    private static String describe(GoogleApiError error) {
        StringBuilder s = new StringBuilder("HTTP ").append(error.code());
        if (!error.status().isEmpty()) {
            s.append(' ').append(error.status());
        }
        if (!error.message().isEmpty()) {
            s.append(": ").append(error.message());
        }
        return s.toString();
    }
}
