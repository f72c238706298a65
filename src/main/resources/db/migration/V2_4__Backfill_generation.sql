-- V2.4: the run's generation, and leases that a live replica renews.
--
-- A run's generation is bumped whenever it (re)enters RUNNING (start, resume, failures retried).
-- A worker remembers the generation its provider call started in, and a pause for an outage only
-- happens in the generation whose calls failed: a call that was already in flight when the run
-- paused, and fails after the resume, can no longer pause the resumed run.
alter table backfill_runs add column generation int not null default 0;

-- backfill_runs.version is no longer written or read (the ETag is computed from the Run itself).
-- It stays for now so that a replica of the previous release, still running during a rolling
-- upgrade, does not fail on it; a later release drops it.
