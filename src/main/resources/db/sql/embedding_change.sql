-- The embedding schema change as V3 (db/migration/V3__Embedding_schema_update.sql) makes it, with
-- the target column type made placeholders: the one definition of the change. V3 is frozen
-- (Flyway checksums in users' databases), so FrozenMigrationsTest asserts that this text rendered
-- for vector (storage "vector", storage_label "VECTOR", opclass "vector_cosine_ops") is V3's text
-- after its header, byte for byte. Rendered for halfvec it is what the change runs when
-- reembed.target.storage resolves to HALFVEC (HNSW indexes vector only up to 2,000 dimensions):
-- Flyway then never runs V3, and dev.reembed.migration.EmbeddingChange runs this in one transaction
-- under the migration lock and records V3 in Flyway's history. The search function keeps taking
-- vector(N) and casts the query to the column's type. Placeholders: Flyway's own (target_dimensions,
-- source_dimensions, hnsw_m, hnsw_ef_construction, with the values Flyway has), storage (vector |
-- halfvec), storage_label (VECTOR | HALFVEC, in the notices), opclass (its HNSW cosine opclass).

-- Pre-migration checks -------------------------------------------------------------------------
do $$
declare
    v_type text;
begin
    if to_regclass('questions') is null then
        raise exception 'Pre-migration check failed: table questions does not exist';
    end if;
    select format_type(atttypid, atttypmod) into v_type
    from pg_attribute
    where attrelid = 'questions'::regclass and attname = 'embedding' and not attisdropped;
    if v_type is null then
        raise exception 'Pre-migration check failed: column questions.embedding does not exist';
    end if;
    if v_type <> 'vector(${source_dimensions})' then
        raise exception 'Pre-migration check failed: questions.embedding is %, expected vector(${source_dimensions})', v_type;
    end if;
    if ${target_dimensions} = ${source_dimensions} then
        raise exception 'Pre-migration check failed: target dimensions (${target_dimensions}) equal the current ones';
    end if;
    raise notice '✓ Pre-migration checks passed';
end
$$;

-- Backup: every vector that exists now, with the model that made it ----------------------------
do $$
begin
    -- a backup left by an earlier apply that was rolled back is reused (emptied below)
    if to_regclass('questions_embedding_backup') is null then
        create table questions_embedding_backup (
            id           bigint primary key,
            embedding    vector(${source_dimensions}) not null,
            model        text,
            backed_up_at timestamptz not null default now()
        );
    end if;
    -- a schema adopted from outside Flyway may lack the model column
    if not exists (select 1 from pg_attribute where attrelid = 'questions'::regclass
                   and attname = 'embedding_model' and not attisdropped) then
        alter table questions add column embedding_model text;
    end if;
end
$$;
comment on table questions_embedding_backup is
    'Vectors of questions.embedding before the V3 schema change; POST /api/migration/rollback restores them';

-- An earlier backup describes the same vectors, restored by the rollback: start it afresh.
truncate questions_embedding_backup;
insert into questions_embedding_backup (id, embedding, model)
select id, embedding, embedding_model
from questions
where embedding is not null;

do $$
declare
    v_source bigint;
    v_backup bigint;
begin
    select count(*) into v_source from questions where embedding is not null;
    select count(*) into v_backup from questions_embedding_backup b
        join questions q on q.id = b.id and q.embedding = b.embedding;
    if v_backup <> v_source then
        raise exception 'Backup verification failed: % vectors in questions, % identical copies in the backup', v_source, v_backup;
    end if;
    raise notice '✓ Backup complete: % vectors copied to questions_embedding_backup', v_backup;
end
$$;

-- Step 1: drop what depends on the column ------------------------------------------------------
drop function if exists match_questions_with_solutions(vector, double precision, integer);
drop index if exists idx_questions_embedding;

do $$
begin
    if exists (select 1 from pg_proc where proname = 'match_questions_with_solutions'${proc_in_schema}) then
        raise exception 'Step 1 failed: match_questions_with_solutions still exists';
    end if;
    if to_regclass('idx_questions_embedding') is not null then
        raise exception 'Step 1 failed: idx_questions_embedding still exists';
    end if;
    raise notice '✓ Step 1 complete: Dropped dependent objects';
end
$$;

-- Step 2: the new column type; old vectors cannot be converted, they live on in the backup -------
alter table questions alter column embedding type ${storage}(${target_dimensions}) using null;
update questions set embedding_model = null where embedding_model is not null;

do $$
begin
    raise notice '✓ Step 2 complete: Altered embedding column to ${storage_label}(${target_dimensions})';
end
$$;

-- Step 3: the HNSW index for the new dimension -------------------------------------------------
-- pgvector before 0.8.2 can overflow a buffer in parallel HNSW builds: build serially there.
select set_config('max_parallel_maintenance_workers', '0', true)
from pg_extension
where extname = 'vector'
  and string_to_array(substring(extversion from '^[0-9.]+'), '.')::int[] < array[0, 8, 2];
create index idx_questions_embedding on questions
    using hnsw (embedding ${opclass})
    with (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction});

do $$
begin
    raise notice '✓ Step 3 complete: Created HNSW index for ${storage_label}(${target_dimensions})';
end
$$;

-- Step 4: the search function for the new dimension (same contract as V2) ----------------------
-- Made by a helper so that the rollback recreates it at the old dimension from the same text.
create or replace function reembed_create_match_function(dims integer) returns void
    language plpgsql as
$fn$
begin
    execute format($ddl$
        create or replace function match_questions_with_solutions(query_embedding vector(%1$s),
                                                                  match_threshold float,
                                                                  match_count int)
            returns table (id bigint, title text, content text, similarity float, solutions jsonb)
            language sql stable
        as
        $body$
        select q.id,
               q.title,
               q.content,
               1 - (q.embedding <=> query_embedding::${storage}(%1$s)) as similarity,
               coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'content', s.content) order by s.id)
                         from solutions s
                         where s.question_id = q.id), '[]'::jsonb) as solutions
        from questions q
        where q.deleted_at is null
          and q.embedding is not null
          and 1 - (q.embedding <=> query_embedding::${storage}(%1$s)) >= match_threshold
        order by q.embedding <=> query_embedding::${storage}(%1$s)
        limit match_count;
        $body$
    $ddl$, dims);
end
$fn$;

select reembed_create_match_function(${target_dimensions});

do $$
begin
    raise notice '✓ Step 4 complete: Recreated match_questions_with_solutions function';
end
$$;

-- Verification: each step took, or everything rolls back ---------------------------------------
do $$
declare
    v_type    text;
    v_index   text;
    v_rejects boolean := false;
begin
    select format_type(atttypid, atttypmod) into v_type
    from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding';
    if v_type <> '${storage}(${target_dimensions})' then
        raise exception 'Verification failed: embedding column is %, expected ${storage}(${target_dimensions})', v_type;
    end if;
    raise notice '✓ Verification passed: embedding column is now ${storage_label}(${target_dimensions})';

    select am.amname || ' ' || opc.opcname || ' ' || i.indisvalid into v_index
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_am am on am.oid = c.relam
    join pg_opclass opc on opc.oid = i.indclass[0]
    where c.relname = 'idx_questions_embedding'${index_in_schema};
    if v_index is distinct from 'hnsw ${opclass} true' then
        raise exception 'Verification failed: idx_questions_embedding is %, expected a valid hnsw ${opclass} index',
            coalesce(v_index, 'missing');
    end if;
    raise notice '✓ Verification passed: idx_questions_embedding index exists';

    -- The function must accept the new dimension (the seed's NULL::VECTOR(N) call) and refuse the old.
    perform * from match_questions_with_solutions(null::vector(${target_dimensions}), 0.5, 1);
    begin
        perform * from match_questions_with_solutions(array_fill(1::real, array[${source_dimensions}])::vector, 0.5, 1);
    exception when others then
        v_rejects := true;
    end;
    if not v_rejects then
        raise exception 'Verification failed: match_questions_with_solutions accepts vector(${source_dimensions})';
    end if;
    raise notice '✓ Verification passed: match_questions_with_solutions uses VECTOR(${target_dimensions})';
end
$$;

-- Summary --------------------------------------------------------------------------------------
do $$
declare
    v_total  bigint;
    v_with   bigint;
begin
    select count(*), count(embedding) into v_total, v_with from questions where deleted_at is null;
    raise notice '========================================';
    raise notice 'MIGRATION COMPLETE - SUMMARY';
    raise notice '========================================';
    raise notice 'Total questions: %', v_total;
    raise notice 'Questions with embeddings: %', v_with;
    raise notice 'Questions needing backfill: %', v_total - v_with;
    raise notice 'NEXT STEPS: POST /api/backfills, then GET /api/verification';
    raise notice '========================================';
end
$$;
