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
}
