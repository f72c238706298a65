package dev.reembed.embedding;

import java.util.List;

/**
 * The port every embedding back end implements: texts in, unit vectors of {@link #dimensions()}
 * out, in input order, with a token count for cost accounting. Implementations are thread-safe and
 * share one process-wide rate limiter, so any number of workers may call them at once.
 *
 * <p>Failures are {@link EmbeddingException}s whose {@link EmbeddingException#code()} tells the
 * caller what to do (wait, retry later, fail the rows, stop the run).
 */
public interface EmbeddingProvider {

    /** Stored questions: the content, with the title as the document title where supported. */
    EmbeddingBatch embedDocuments(List<DocumentText> documents);

    /** Search queries. */
    EmbeddingBatch embedQueries(List<String> queries);

    /** The model id the vectors come from, as in the registry (e.g. {@code gemini-embedding-001}). */
    String model();

    /** Length of every returned vector. */
    int dimensions();

    /** The {@code reembed.embedding.provider} value of this implementation. */
    String name();

    /** The most texts one API request carries: a call with more is sent as several requests. */
    int maxItemsPerRequest();

    /** The API requests that embedding {@code rows} texts takes, in calls of {@code batchSize} texts. */
    default long requestsFor(long rows, int batchSize) {
        long perCall = Math.max(1, batchSize);
        long perRequest = Math.max(1, maxItemsPerRequest());
        long fullCalls = rows / perCall;
        long rest = rows % perCall;
        return fullCalls * ceilDiv(perCall, perRequest) + ceilDiv(rest, perRequest);
    }

    /** Frees what the provider holds (threads, HTTP clients) when the application stops; most hold nothing. */
    default void close() {
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b; // Math.ceilDiv is Java 18
    }
}
