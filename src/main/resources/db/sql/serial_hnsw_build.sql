-- pgvector before 0.8.2 can overflow a buffer in parallel HNSW builds: this makes the rest of the
-- transaction build serially there. Rendered by dev.reembed.schema.PgvectorVersion with
-- parallel_hnsw_fix = its PARALLEL_HNSW_FIX ("0, 8, 2"); V3 applied this text before it lived here
-- (FrozenMigrationsTest keeps the two equal).
select set_config('max_parallel_maintenance_workers', '0', true)
from pg_extension
where extname = 'vector'
  and string_to_array(substring(extversion from '^[0-9.]+'), '.')::int[] < array[${parallel_hnsw_fix}]
