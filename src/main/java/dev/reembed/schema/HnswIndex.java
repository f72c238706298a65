package dev.reembed.schema;

import java.util.Map;

/**
 * The search index on {@code questions.embedding}: HNSW over cosine distance, with the graph
 * parameters of {@code reembed.migration.hnsw.*}. Its DDL is {@code db/sql/hnsw_index.sql}, the
 * one definition every code path that creates the index renders.
 */
public record HnswIndex(int m, int efConstruction) {

    public static final String NAME = "idx_questions_embedding";
    public static final String METHOD = "hnsw";
    public static final String OPCLASS = "vector_cosine_ops";

    private static final SqlTemplate DDL = SqlTemplate.load("hnsw_index.sql");

    /**
     * CREATE INDEX, or with {@code concurrently} CREATE INDEX CONCURRENTLY IF NOT EXISTS (searches
     * and writes go on; it must run outside a transaction block). No trailing semicolon.
     */
    public String createDdl(boolean concurrently) {
        // m and ef_construction are ints from configuration, never request input.
        return DDL.render(Map.of(
                "create_index", concurrently ? "create index concurrently if not exists" : "create index",
                "hnsw_m", Integer.toString(m),
                "hnsw_ef_construction", Integer.toString(efConstruction)));
    }

    /** What the catalog must show of it: present, valid, HNSW, cosine. */
    public static boolean isExpected(SchemaCatalog.IndexInfo index) {
        return index.present() && Boolean.TRUE.equals(index.valid()) && METHOD.equals(index.method())
                && OPCLASS.equals(index.opclass());
    }
}
