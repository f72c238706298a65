package dev.reembed.embedding;

/**
 * The pgvector column type the vectors are stored in, with the most dimensions an HNSW index on
 * it accepts (pgvector: 2,000 for {@code vector}, 4,000 for {@code halfvec}).
 */
public enum VectorColumnType {
    VECTOR("vector", 2000),
    HALFVEC("halfvec", 4000);

    private final String sqlName;
    private final int maxIndexedDimensions;

    VectorColumnType(String sqlName, int maxIndexedDimensions) {
        this.sqlName = sqlName;
        this.maxIndexedDimensions = maxIndexedDimensions;
    }

    public String sqlName() {
        return sqlName;
    }

    public int maxIndexedDimensions() {
        return maxIndexedDimensions;
    }
}
