package dev.reembed.embedding;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Why an embedding call failed, in terms a caller can act on. Messages never contain credentials.
 */
public class EmbeddingException extends RuntimeException {

    public enum Code {
        /** Per-minute quota or limiter exhausted after the allowed retries: wait {@link #retryAfter()} and try again. */
        RATE_LIMITED(true),
        /** A per-day quota is used up: nothing will succeed before the quota resets; stop the run. */
        DAILY_QUOTA_EXHAUSTED(false),
        /** The API refused the request as invalid (400): not retried; {@link #itemIndexes()} names the batch. */
        INVALID_ARGUMENT(false),
        /** A text is over the model's input limit and reembed.embedding.oversized-input=reject. */
        INPUT_TOO_LONG(false),
        /** Missing or invalid credentials. */
        UNAUTHENTICATED(false),
        /** Valid credentials without the right to call the model. */
        PERMISSION_DENIED(false),
        /** 5xx or connection failure after the bounded retries. */
        UNAVAILABLE(true),
        /** The API did not answer in time, after the bounded retries. */
        TIMEOUT(true),
        /** The answer had the wrong number of vectors, wrong dimensions or unusable values: never stored. */
        BAD_RESPONSE(false),
        /** The provider failed for a reason of its own (e.g. the local model could not load). */
        INTERNAL(false);

        private final boolean retryable;

        Code(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Code code;
    private final Duration retryAfter;
    private final List<Integer> itemIndexes;

    public EmbeddingException(Code code, String message) {
        this(code, message, null, List.of(), null);
    }

    public EmbeddingException(Code code, String message, Duration retryAfter, List<Integer> itemIndexes, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
        this.retryAfter = retryAfter;
        this.itemIndexes = itemIndexes == null ? List.of() : List.copyOf(itemIndexes);
    }

    public Code code() {
        return code;
    }

    /** Whether trying the same texts again later may succeed. */
    public boolean retryable() {
        return code.retryable();
    }

    /** How long the API asked to wait, when it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * Positions, in the list given to {@code embedDocuments}/{@code embedQueries}, of the texts the
     * failure concerns (the failed request's batch, or the oversized texts); empty when it concerns
     * the whole call.
     */
    public List<Integer> itemIndexes() {
        return itemIndexes;
    }
}
