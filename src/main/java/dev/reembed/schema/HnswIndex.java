package dev.reembed.schema;

import java.util.Map;

import dev.reembed.embedding.VectorColumnType;

/**
 * The search index on {@code questions.embedding}: HNSW over cosine distance, with the graph
 * parameters of {@code reembed.migration.hnsw.*}. Its DDL is {@code db/sql/hnsw_index.sql}, the
 * one definition every code path that creates the index renders (for the online migration's shadow
 * column too, under {@link #SHADOW_NAME}).
 */
public record HnswIndex(int m, int efConstruction) {

    public static final String NAME = "idx_questions_embedding";
    public static final String SHADOW_NAME = "idx_questions_embedding_next";
    public static final String METHOD = "hnsw";
    public static final String OPCLASS = VectorColumnType.VECTOR.cosineOpclass();

    private static final SqlTemplate DDL = SqlTemplate.load("hnsw_index.sql");

    /**
     * CREATE INDEX, or with {@code concurrently} CREATE INDEX CONCURRENTLY IF NOT EXISTS (searches
     * and writes go on; it must run outside a transaction block). No trailing semicolon.
     */
    public String createDdl(boolean concurrently) {
        return createDdl(concurrently, NAME, "embedding", VectorColumnType.VECTOR);
    }

    /** The same for {@code index} on {@code column} of {@code type}: names are constants of this code base, never input. */
    public String createDdl(boolean concurrently, String index, String column, VectorColumnType type) {
        // m and ef_construction are ints from configuration, never request input.
        return DDL.render(Map.of(
                "create_index", concurrently ? "create index concurrently if not exists" : "create index",
                "index", index, "column", column, "opclass", type.cosineOpclass(),
                "hnsw_m", Integer.toString(m),
                "hnsw_ef_construction", Integer.toString(efConstruction)));
    }

    /** What the catalog must show of it: present, valid, HNSW, cosine on a vector column. */
    public static boolean isExpected(SchemaCatalog.IndexInfo index) {
        return isExpected(index, VectorColumnType.VECTOR);
    }

    /** The same for a column of {@code type}. */
    public static boolean isExpected(SchemaCatalog.IndexInfo index, VectorColumnType type) {
        return index.present() && Boolean.TRUE.equals(index.valid()) && METHOD.equals(index.method())
                && type.cosineOpclass().equals(index.opclass());
    }
}
