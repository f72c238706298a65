-- V2.5: a per-minute history of each backfill run, for the dashboard's chart and GET
-- /api/backfills/{id}/history. Each replica counts in memory and adds its counts to the minute's
-- row every few seconds (insert ... on conflict do update set x = x + excluded.x), so replicas
-- sum up. The run row stays the exact record of what was written; this table is a chart: a
-- replica killed without a shutdown may lose its last seconds of counts here, never a row.
create table backfill_history (
    run_id          bigint      not null references backfill_runs (id) on delete cascade,
    -- the start of the minute (UTC, truncated), as the replica's clock saw the events
    minute          timestamptz not null,
    -- rows whose vector was committed, and the input tokens of their batches
    rows            bigint      not null default 0,
    tokens          bigint      not null default 0,
    -- HTTP requests to the provider, retries included; of them, 429 answers and other failures
    calls           bigint      not null default 0,
    rate_limited    bigint      not null default 0,
    errors          bigint      not null default 0,
    -- rows leased whose previous lease had expired (its worker or replica died or stalled)
    lease_takeovers bigint      not null default 0,
    primary key (run_id, minute)
);
