package dev.reembed.embedding;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Why an embedding call failed, in terms a caller can act on. Messages never contain credentials.
 */
public class EmbeddingException extends RuntimeException {

    /** What a caller does about a failure; every {@link Code} has one. */
    public enum Kind {
        /** The texts are at fault: fail those rows (halving a batch to find them), never retry them as they are. */
        BAD_INPUT,
        /** Nothing will succeed until someone acts (quota, credentials, the provider itself): stop calling, pause. */
        OPERATOR,
        /** May succeed later: retry with backoff, counting the attempts. */
        TRANSIENT
    }

    public enum Code {
        /** Per-minute quota or limiter exhausted after the allowed retries: wait {@link #retryAfter()} and try again. */
        RATE_LIMITED(Kind.TRANSIENT),
        /** A per-day quota is used up: nothing will succeed before the quota resets; stop the run. */
        DAILY_QUOTA_EXHAUSTED(Kind.OPERATOR),
        /** The API refused the request as invalid (400): not retried; {@link #itemIndexes()} names the batch. */
        INVALID_ARGUMENT(Kind.BAD_INPUT),
        /** A text is over the model's input limit and reembed.embedding.oversized-input=reject. */
        INPUT_TOO_LONG(Kind.BAD_INPUT),
        /**
         * The provider has no such model or endpoint (HTTP 404, Bedrock ResourceNotFound): a wrong
         * base URL, a model the account or region lacks, a model shut down. No text of the batch is at fault.
         */
        NOT_FOUND(Kind.OPERATOR),
        /** Missing or invalid credentials. */
        UNAUTHENTICATED(Kind.OPERATOR),
        /** Valid credentials without the right to call the model. */
        PERMISSION_DENIED(Kind.OPERATOR),
        /** 5xx or connection failure after the bounded retries. */
        UNAVAILABLE(Kind.TRANSIENT),
        /** The API did not answer in time, after the bounded retries. */
        TIMEOUT(Kind.TRANSIENT),
        /**
         * The answer had the wrong number of vectors, wrong dimensions or unusable values: never stored.
         * Transient: a provider's bad answer is not the texts' fault, and the same texts are tried again.
         */
        BAD_RESPONSE(Kind.TRANSIENT),
        /** The provider failed for a reason of its own (e.g. the local model could not load). */
        INTERNAL(Kind.OPERATOR);

        private final Kind kind;

        Code(Kind kind) {
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
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
