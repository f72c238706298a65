package dev.reembed.embedding;

/**
 * Told about every HTTP request to the embedding provider, retries included, on the thread that
 * made it (the backfill's history counts them per run). Beans of this type are picked up by
 * {@link EmbeddingProviders}; a listener must be quick and never throw.
 */
public interface ProviderCallListener {

    enum Outcome {
        /** Answered 2xx. */
        OK,
        /** Answered 429 (per-minute or per-day quota). */
        RATE_LIMITED,
        /** Any other failure: an HTTP error status, a connection failure, a timeout. */
        ERROR
    }

    void called(Outcome outcome);
}
