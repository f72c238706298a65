-- The search index: HNSW over cosine distance on questions.embedding. The one definition, rendered
-- by dev.reembed.schema.HnswIndex for every index the service creates (the backfill's rebuild, the
-- rollback). V3 applied this text before it lived here; V2 the same without the WITH clause
-- (pgvector's defaults m 16, ef_construction 64). Those files are frozen (Flyway checksums), so
-- FrozenMigrationsTest asserts they still are this template rendered, and the copies cannot drift.
-- Placeholders: create_index ("create index" or "create index concurrently if not exists"),
-- hnsw_m, hnsw_ef_construction (reembed.migration.hnsw.*), index, column and opclass (the online
-- migration's shadow column has its own index, and a halfvec column halfvec_cosine_ops).
${create_index} ${index} on questions
    using hnsw (${column} ${opclass})
    with (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
