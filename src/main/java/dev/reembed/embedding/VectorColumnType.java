package dev.reembed.embedding;

import java.util.Locale;
import java.util.Optional;

/**
 * The pgvector column type the vectors are stored in: its SQL name, the HNSW operator class for
 * cosine distance, and the most dimensions an HNSW index on it accepts (pgvector: 2,000 for
 * {@code vector}, 4,000 for {@code halfvec}, 2 bytes a dimension instead of 4). The one place
 * these rules live.
 */
public enum VectorColumnType {
    VECTOR("vector", "vector_cosine_ops", 2000),
    HALFVEC("halfvec", "halfvec_cosine_ops", 4000);

    private final String sqlName;
    private final String cosineOpclass;
    private final int maxIndexedDimensions;

    VectorColumnType(String sqlName, String cosineOpclass, int maxIndexedDimensions) {
        this.sqlName = sqlName;
        this.cosineOpclass = cosineOpclass;
        this.maxIndexedDimensions = maxIndexedDimensions;
    }

    public String sqlName() {
        return sqlName;
    }

    /** The column type with its dimensions, e.g. {@code halfvec(3072)}. */
    public String sqlType(int dimensions) {
        return sqlName + "(" + dimensions + ")";
    }

    public String cosineOpclass() {
        return cosineOpclass;
    }

    public int maxIndexedDimensions() {
        return maxIndexedDimensions;
    }

    /** The default storage for a dimension: {@code vector} while HNSW can index it, {@code halfvec} above. */
    public static VectorColumnType forDimensions(int dimensions) {
        return dimensions > VECTOR.maxIndexedDimensions ? HALFVEC : VECTOR;
    }

    /** The type of a column as the catalog names it ({@code pg_type.typname}); empty for anything else. */
    public static Optional<VectorColumnType> ofTypeName(String typname) {
        for (VectorColumnType t : values()) {
            if (t.sqlName.equals(typname)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** A storage setting: AUTO (or null) picks by dimension; otherwise VECTOR or HALFVEC, any case. */
    public static VectorColumnType resolve(String setting, int dimensions) {
        if (setting == null || setting.isBlank() || "AUTO".equalsIgnoreCase(setting.strip())) {
            return forDimensions(dimensions);
        }
        return valueOf(setting.strip().toUpperCase(Locale.ROOT));
    }
}
