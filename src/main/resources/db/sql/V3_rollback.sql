-- The rollback of V3 (POST /api/migration/rollback), seed 001's emergency rollback: back to
-- vector(${source_dimensions}) with every backed-up vector restored, the search index and function at
-- that dimension, and V3 removed from Flyway's history so that a later apply runs it again. Not
-- under db/migration: Flyway must never run it. MigrationRepository.rollback renders it (in one
-- place, with Flyway's placeholder names) and runs it in one transaction holding the migration
-- lock, so any verification below that raises leaves everything as it was. Each "✓" NOTICE is a
-- line of the rollback's log. Placeholders: source_dimensions (reembed.migration.source-dimensions),
-- target_dimensions (reembed.target.dimensions), serial_hnsw_build (serial_hnsw_build.sql),
-- create_hnsw_index (hnsw_index.sql, with hnsw_m and hnsw_ef_construction), create_match_function
-- (match_function.sql at source_dimensions).
lock table questions in access exclusive mode;

-- Step 1: drop what depends on the column
drop function if exists match_questions_with_solutions(vector, double precision, integer);
drop index if exists idx_questions_embedding;
do $$
begin
    raise notice '✓ Step 1 complete: Dropped dependent objects';
end
$$;

-- Step 2: back to the old type (the vector(${target_dimensions}) vectors cannot be converted)
alter table questions alter column embedding type vector(${source_dimensions}) using null;
do $$
begin
    raise notice '✓ Step 2 complete: Altered embedding column to VECTOR(${source_dimensions})';
end
$$;

-- Step 3: every backed-up vector, with the model that made it
do $$
declare
    v_restored bigint;
begin
    update questions q set embedding = b.embedding, embedding_model = b.model
    from questions_embedding_backup b
    where b.id = q.id;
    get diagnostics v_restored = row_count;
    update questions set embedding_model = null where embedding is null and embedding_model is not null;
    raise notice '✓ Step 3 complete: Restored % embeddings from questions_embedding_backup', v_restored;
end
$$;

-- Step 4: the search index
${serial_hnsw_build};
${create_hnsw_index};
do $$
begin
    raise notice '✓ Step 4 complete: Created HNSW index for VECTOR(${source_dimensions})';
end
$$;

-- Step 5: the search function at the old dimension
${create_match_function};
do $$
begin
    raise notice '✓ Step 5 complete: Recreated match_questions_with_solutions function';
end
$$;

-- Verification: the column and every restored vector, or everything rolls back
do $$
declare
    v_type     text;
    v_differ   bigint;
    v_restored bigint;
begin
    select format_type(atttypid, atttypmod) into v_type
    from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding';
    if v_type <> 'vector(${source_dimensions})' then
        raise exception 'Verification failed: embedding column is %', v_type;
    end if;
    select count(*) filter (where q.embedding is distinct from b.embedding), count(*) into v_differ, v_restored
    from questions_embedding_backup b join questions q on q.id = b.id;
    if v_differ <> 0 then
        raise exception 'Verification failed: % vectors differ from the backup', v_differ;
    end if;
    raise notice '✓ Verification passed: embedding column is VECTOR(${source_dimensions}) with % restored vectors', v_restored;
end
$$;

delete from flyway_schema_history where version = '3';
