package dev.reembed.embedding.call;

import java.time.Duration;
import java.util.Optional;

import dev.reembed.embedding.EmbeddingException.Code;

/**
 * What one failed request means, as the vendor's {@link VendorErrors} reads it; {@link ProviderCaller}
 * acts on it the same way for every vendor.
 *
 * @param code        the code a caller gets when the request is not (or no longer) retried
 * @param retry       whether the same request may succeed later (429, 5xx, a timeout)
 * @param rateLimited the vendor's rate limit answered (429, ThrottlingException): the limiter slows down
 * @param retryAfter  the wait the vendor asked for, when it said
 * @param said        what happened, for messages: e.g. "was refused: the credentials are invalid (HTTP 401 ...)"
 */
public record Failure(Code code, boolean retry, boolean rateLimited, Optional<Duration> retryAfter, String said) {

    public static Failure retry(Code code, String said) {
        return new Failure(code, true, false, Optional.empty(), said);
    }

    /** A 429 on a per-minute quota: retried after {@code retryAfter} (or a backoff when empty). */
    public static Failure rateLimited(Optional<Duration> retryAfter, String said) {
        return new Failure(Code.RATE_LIMITED, true, true, retryAfter, said);
    }

    public static Failure fail(Code code, String said) {
        return new Failure(code, false, false, Optional.empty(), said);
    }
}
