package dev.reembed.backfill;

/**
 * The column a vector write goes to: the live {@code embedding}, or {@link #NEXT}, the online
 * migration's shadow (V2.6), which a backfill fills while the live column serves. Each with the
 * companion columns the writer sets. The one place these names live.
 */
public enum VectorColumn {
    EMBEDDING("embedding", "embedding_model", "embedding_content_hash", "embedded_at"),
    NEXT("embedding_next", "embedding_next_model", "embedding_next_content_hash", "embedded_next_at");

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

    /** The vector column's name, as {@code backfill_runs.vector_column} stores it. */
    public String vector() {
        return vector;
    }

    public String model() {
        return model;
    }

    public String contentHash() {
        return contentHash;
    }

    public String embeddedAt() {
        return embeddedAt;
    }

    public static VectorColumn ofColumnName(String name) {
        for (VectorColumn c : values()) {
            if (c.vector.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("No vector column " + name);
    }
}
