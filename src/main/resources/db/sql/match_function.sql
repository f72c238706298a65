-- match_questions_with_solutions: the application's search. Questions whose cosine similarity
-- (1 - cosine distance) to the query is at least the threshold, best first, at most match_count,
-- each with its solutions as a JSON array; soft-deleted rows and rows without a vector are never
-- returned. The cast makes a query of another dimension fail clearly even on an empty table.
-- The one definition, rendered by dev.reembed.schema.MatchFunction (the rollback). V2 and V3
-- applied this text before it lived here (V3 with dimensions = %1$s inside format(), V2 as
-- "create function" with $$ quotes); they are frozen, and FrozenMigrationsTest asserts the query is
-- still exactly this one. Placeholders: dimensions; function (its name: the online migration's
-- shadow has its own), column (embedding or the shadow), storage (vector or halfvec: callers pass a
-- vector(N) either way and the query is cast to the column's type, so that the HNSW opclass of a
-- halfvec column is used).
create or replace function ${function}(query_embedding vector(${dimensions}),
                                                          match_threshold float,
                                                          match_count int)
    returns table (id bigint, title text, content text, similarity float, solutions jsonb)
    language sql stable
as
$body$
select q.id,
       q.title,
       q.content,
       1 - (q.${column} <=> query_embedding::${storage}(${dimensions})) as similarity,
       coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'content', s.content) order by s.id)
                 from solutions s
                 where s.question_id = q.id), '[]'::jsonb) as solutions
from questions q
where q.deleted_at is null
  and q.${column} is not null
  and 1 - (q.${column} <=> query_embedding::${storage}(${dimensions})) >= match_threshold
order by q.${column} <=> query_embedding::${storage}(${dimensions})
limit match_count;
$body$
