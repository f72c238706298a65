-- V2.1: the backfill's state, in the database rather than the seed's .backfill-checkpoint.json and
-- .backfill-failed.json. Numbered below V3 on purpose: the rollback removes V3 from Flyway's
-- history, and a later version above it would then stop start-up ("resolved migration not
-- applied"). Migrations that do not depend on the embedding dimension take 2.x numbers.

-- What was embedded, from which text: STALE rows are those whose vector came from another model
-- or dimension, or whose text changed since. content_hash always describes the current text.
alter table questions
    add column content_hash text generated always as (md5(coalesce(title, '') || chr(31) || content)) stored,
    add column embedding_content_hash text,
    add column embedded_at timestamptz;

-- Rows embedded before reembed: their hash is unknown, so a STALE scope re-embeds them (they are
-- text-embedding-004 vectors anyway).

create table backfill_runs (
    id                   bigint generated always as identity primary key,
    status               text        not null check (status in ('QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED')),
    model                text        not null,
    dimensions           int         not null,
    scope                text        not null check (scope in ('MISSING', 'STALE', 'ALL')),
    batch_size           int         not null,
    concurrency          int         not null,
    price_per_million    numeric(12, 6),
    -- exact counters, moved in the transaction that commits the vectors they count
    total                bigint      not null default 0,
    succeeded            bigint      not null default 0,
    failed               bigint      not null default 0,
    input_tokens         bigint      not null default 0,
    -- how the run was started: an operator (api) or the scheduled sweep
    trigger              text        not null default 'api',
    created_at           timestamptz not null default now(),
    started_at           timestamptz,
    updated_at           timestamptz not null default now(),
    finished_at          timestamptz,
    last_error           text,
    -- bumped by every change, the basis of the ETag
    version              bigint      not null default 0
);

-- Exactly one active run, whatever the number of replicas.
create unique index backfill_runs_one_active on backfill_runs ((true))
    where status in ('QUEUED', 'RUNNING', 'PAUSED');

-- The rows of a run and where each one is: the checkpoint. A row is leased to one worker at a time
-- (FOR UPDATE SKIP LOCKED); a lease that expires (its replica died) makes the row available again.
create table backfill_items (
    run_id           bigint      not null references backfill_runs (id) on delete cascade,
    question_id      bigint      not null,
    state            text        not null default 'PENDING' check (state in ('PENDING', 'LEASED', 'DONE', 'FAILED')),
    attempts         int         not null default 0,
    lease_owner      text,
    lease_expires_at timestamptz,
    -- the worker (replica/worker id) that committed the row's vector
    done_by          text,
    primary key (run_id, question_id)
);

create index backfill_items_todo on backfill_items (run_id, question_id) where state in ('PENDING', 'LEASED');

-- Rows that failed, with why; a row that later succeeds (after a retry) leaves the table.
create table backfill_failures (
    run_id          bigint      not null references backfill_runs (id) on delete cascade,
    question_id     bigint      not null,
    attempts        int         not null,
    error_code      text        not null,
    error           text        not null,
    first_failed_at timestamptz not null default now(),
    last_attempt_at timestamptz not null default now(),
    primary key (run_id, question_id)
);
