package dev.reembed.backfill;

/**
 * The column a vector write goes to. Only {@link #EMBEDDING} today; a zero-downtime mode adds a
 * shadow column here and points the writer at it, without touching the worker.
 */
public enum VectorColumn {
    EMBEDDING("embedding", "embedding_model", "embedding_content_hash", "embedded_at");

    final String vector;
    final String model;
    final String contentHash;
    final String embeddedAt;

    VectorColumn(String vector, String model, String contentHash, String embeddedAt) {
        this.vector = vector;
        this.model = model;
        this.contentHash = contentHash;
        this.embeddedAt = embeddedAt;
    }
}
