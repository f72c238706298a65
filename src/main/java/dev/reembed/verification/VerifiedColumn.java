package dev.reembed.verification;

import dev.reembed.backfill.VectorColumn;
import dev.reembed.embedding.VectorColumnType;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.MatchFunction;

/**
 * What one verification report checks: a vector column with its index and search function, and
 * the model, dimension and type its vectors must have. The live column ({@code questions.embedding})
 * or an online migration's shadow ({@code embedding_next}, {@code ?column=next}).
 */
public record VerifiedColumn(VectorColumn column, String index, String function, String model, int dimensions,
        VectorColumnType type) {

    public static VerifiedColumn live(String model, int dimensions, VectorColumnType type) {
        return new VerifiedColumn(VectorColumn.EMBEDDING, HnswIndex.NAME, MatchFunction.NAME, model, dimensions, type);
    }

    public static VerifiedColumn shadow(String model, int dimensions, VectorColumnType type) {
        return new VerifiedColumn(VectorColumn.NEXT, HnswIndex.SHADOW_NAME, MatchFunction.SHADOW_NAME, model, dimensions, type);
    }

    /** The column's name, e.g. {@code embedding_next}. */
    public String name() {
        return column.vector();
    }
}
