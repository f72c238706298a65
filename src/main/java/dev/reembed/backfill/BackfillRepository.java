package dev.reembed.backfill;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import com.pgvector.PGvector;

import dev.reembed.common.Transactions;
import dev.reembed.migration.MigrationRepository;
import io.agroal.api.AgroalDataSource;

/**
 * Every SQL statement of the backfill. The run row holds exact counters; {@code backfill_items}
 * is the checkpoint (which rows are done), moved in the same transaction as the vectors it covers;
 * rows are leased with {@code FOR UPDATE SKIP LOCKED} so that replicas share a run without
 * embedding a row twice.
 */
@ApplicationScoped
public class BackfillRepository {

    /** The rows a scope covers; {@code ?} = target model, target dimensions (STALE only). */
    static String scopePredicate(Scope scope) {
        return switch (scope) {
            case MISSING -> "q.deleted_at is null and q.embedding is null";
            case STALE -> """
                    q.deleted_at is null and (q.embedding is null
                        or q.embedding_model is distinct from ?
                        or vector_dims(q.embedding) <> ?
                        or q.embedding_content_hash is distinct from q.content_hash)""";
            case ALL -> "q.deleted_at is null";
        };
    }

    /** A stored row a worker holds; {@code takenOver}: its previous lease had expired. */
    public record Lease(long questionId, String title, String content, String contentHash, int attempts, boolean takenOver) {
    }

    /** A vector for a leased row, with the content hash it was made from. */
    public record VectorWrite(long questionId, float[] vector, String contentHash) {
    }

    public record WriteOutcome(int written, int changedSinceRead) {
    }

    public record RowFailure(long questionId, String code, String message) {
    }

    public record FailureRow(long questionId, int attempts, String errorCode, String error, OffsetDateTime lastAttemptAt) {
    }

    /** The run row as stored. */
    public record RunRow(long id, RunStatus status, String model, int dimensions, Scope scope, int batchSize,
            int concurrency, BigDecimal pricePerMillion, long total, long succeeded, long failed, long inputTokens,
            String trigger, OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime updatedAt,
            OffsetDateTime finishedAt, String lastError, long version, IndexStrategy indexStrategy,
            OffsetDateTime indexDroppedAt, OffsetDateTime indexBuildStartedAt, OffsetDateTime indexBuiltAt, Long indexBuildMs) {

        /** The run dropped the search index and it is not back yet. */
        boolean indexPending() {
            return indexDroppedAt != null && indexBuiltAt == null;
        }
    }

    private static final String RUN_COLUMNS = """
            id, status, model, dimensions, scope, batch_size, concurrency, price_per_million, total, succeeded, failed,
            input_tokens, trigger, created_at, started_at, updated_at, finished_at, last_error, version, index_strategy,
            index_dropped_at, index_build_started_at, index_built_at, index_build_ms""";

    private final AgroalDataSource dataSource;

    public BackfillRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Thrown when another run is active (the partial unique index said so). */
    public static final class ActiveRunExists extends RuntimeException {
        public final long activeRunId;

        ActiveRunExists(long activeRunId) {
            super("Run " + activeRunId + " is active");
            this.activeRunId = activeRunId;
        }
    }

    /**
     * Creates a QUEUED run and its checkpoint: one item per row in scope, in one transaction.
     *
     * @throws ActiveRunExists when another run is QUEUED, RUNNING or PAUSED
     */
    public RunRow createRun(String model, int dimensions, Scope scope, int batchSize, int concurrency,
            BigDecimal pricePerMillion, String trigger, IndexStrategy indexStrategy) {
        long id = transaction("Cannot create a backfill run", c -> {
            long runId;
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into backfill_runs (status, model, dimensions, scope, batch_size, concurrency, price_per_million, trigger,
                                               index_strategy)
                    values ('QUEUED', ?, ?, ?, ?, ?, ?, ?, ?) returning id""")) {
                ps.setString(1, model);
                ps.setInt(2, dimensions);
                ps.setString(3, scope.name());
                ps.setInt(4, batchSize);
                ps.setInt(5, concurrency);
                ps.setBigDecimal(6, pricePerMillion);
                ps.setString(7, trigger);
                ps.setString(8, indexStrategy.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    runId = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    with items as (
                        insert into backfill_items (run_id, question_id) select ?, q.id from questions q where %s returning 1
                    )
                    update backfill_runs set total = (select count(*) from items) where id = ?""".formatted(scopePredicate(scope)))) {
                ps.setLong(1, runId);
                int i = bindScope(ps, 2, scope, model, dimensions);
                ps.setLong(i, runId);
                ps.executeUpdate();
            }
            return runId;
        });
        // Fresh statistics for the new items: with the planner still thinking the table is empty,
        // every lease read all pending items and sorted them (a bitmap scan) instead of walking the
        // first batchSize entries of backfill_items_todo in order; at 100k rows that was half a core.
        analyze("backfill_items");
        return findRun(id).orElseThrow();
    }

    public Optional<RunRow> findRun(long id) {
        return runs("select " + RUN_COLUMNS + " from backfill_runs where id = ?", id).stream().findFirst();
    }

    public Optional<RunRow> activeRun() {
        return runs("select " + RUN_COLUMNS + " from backfill_runs where status in ('QUEUED','RUNNING','PAUSED') order by id limit 1")
                .stream().findFirst();
    }

    public List<RunRow> listRuns(int limit) {
        return runs("select " + RUN_COLUMNS + " from backfill_runs order by id desc limit ?", limit);
    }

    /** The last run for this model and dimension, whatever its status. */
    public Optional<RunRow> lastRunFor(String model, int dimensions) {
        return runs("select " + RUN_COLUMNS + " from backfill_runs where model = ? and dimensions = ? order by id desc limit 1",
                model, dimensions).stream().findFirst();
    }

    /** Rows in scope right now (the cost estimate and the sweep). */
    public long countInScope(Scope scope, String model, int dimensions) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*) from questions q where " + scopePredicate(scope))) {
            bindScope(ps, 1, scope, model, dimensions);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count rows in scope", e);
        }
    }

    /**
     * Rows in scope and their estimated input tokens: the SQL form of TokenEstimator (ASCII
     * characters / 3, rounded up, plus one per other character), for title and content.
     */
    public long[] estimateInScope(Scope scope, String model, int dimensions) {
        String tokens = "(char_length(regexp_replace(%1$s, '[^\\x01-\\x7f]', '', 'g')) + 2) / 3"
                + " + char_length(%1$s) - char_length(regexp_replace(%1$s, '[^\\x01-\\x7f]', '', 'g'))";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*), coalesce(sum(" + tokens.formatted("coalesce(q.title, '')")
                        + " + " + tokens.formatted("q.content") + "), 0) from questions q where " + scopePredicate(scope))) {
            bindScope(ps, 1, scope, model, dimensions);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot estimate the rows in scope", e);
        }
    }

    /**
     * Moves a run from one of {@code from} to {@code to}; false when it was in none of them.
     * {@code lastError} null keeps the current one unless {@code to} is RUNNING (cleared).
     */
    public boolean transition(long runId, List<RunStatus> from, RunStatus to, String lastError) {
        String sql = """
                update backfill_runs set status = ?,
                       started_at = case when ? = 'RUNNING' then coalesce(started_at, now()) else started_at end,
                       finished_at = case when ? in ('COMPLETED','FAILED','CANCELLED') then now() else null end,
                       last_error = case when ? is not null then ? when ? = 'RUNNING' then null else last_error end,
                       updated_at = now(), version = version + 1
                where id = ? and status = any (?)""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, to.name());
            ps.setString(2, to.name());
            ps.setString(3, to.name());
            ps.setString(4, lastError);
            ps.setString(5, lastError);
            ps.setString(6, to.name());
            ps.setLong(7, runId);
            ps.setArray(8, c.createArrayOf("text", from.stream().map(Enum::name).toArray()));
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new ActiveRunExists(activeRun().map(RunRow::id).orElse(-1L));
            }
            throw new IllegalStateException("Cannot change run " + runId, e);
        }
    }

    /**
     * Leases up to {@code limit} rows of a RUNNING run to {@code owner}, in primary-key order:
     * pending rows, and rows whose lease expired (their worker died). Rows deleted or soft-deleted
     * since the run began leave the run here.
     */
    public List<Lease> lease(long runId, String owner, int limit, Duration leaseFor) {
        return transaction("Cannot lease rows of run " + runId, c -> {
            List<Lease> out = new ArrayList<>();
            List<Long> gone = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    with picked as (
                        select i.question_id, i.state = 'LEASED' as taken_over from backfill_items i
                        join backfill_runs r on r.id = i.run_id and r.status = 'RUNNING'
                        where i.run_id = ? and (i.state = 'PENDING' or (i.state = 'LEASED' and i.lease_expires_at < now()))
                        order by i.question_id
                        limit ?
                        for update of i skip locked
                    ), leased as (
                        update backfill_items i
                        set state = 'LEASED', lease_owner = ?, lease_expires_at = now() + make_interval(secs => ?)
                        from picked where i.run_id = ? and i.question_id = picked.question_id
                        returning i.question_id, i.attempts, picked.taken_over
                    )
                    select l.question_id, q.title, q.content, q.content_hash, l.attempts, q.id is null or q.deleted_at is not null,
                           l.taken_over
                    from leased l left join questions q on q.id = l.question_id
                    order by l.question_id""")) {
                ps.setLong(1, runId);
                ps.setInt(2, limit);
                ps.setString(3, owner);
                ps.setDouble(4, leaseFor.toMillis() / 1000.0);
                ps.setLong(5, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(6)) {
                            gone.add(rs.getLong(1));
                        } else {
                            out.add(new Lease(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                                    rs.getBoolean(7)));
                        }
                    }
                }
            }
            if (!gone.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("""
                        with d as (delete from backfill_items where run_id = ? and question_id = any (?) returning 1),
                        f as (delete from backfill_failures where run_id = ? and question_id = any (?))
                        update backfill_runs set total = total - (select count(*) from d), updated_at = now(), version = version + 1
                        where id = ?""")) {
                    ps.setLong(1, runId);
                    ps.setArray(2, longs(c, gone));
                    ps.setLong(3, runId);
                    ps.setArray(4, longs(c, gone));
                    ps.setLong(5, runId);
                    ps.executeUpdate();
                }
            }
            return out;
        });
    }

    /**
     * The one place vectors are written: a batch with its checkpoint and the run's counters, in one
     * transaction. A row is written only while {@code owner} still holds its lease and its text is
     * still the text the vector was made from (optimistic: a row edited since the read stays pending
     * and is embedded again with its new text). The vectors reach the server by binary COPY into a
     * temporary table, the cheapest way in: no text formatting here and no float parsing there
     * (docs/BENCHMARKS.md); one statement then moves them into place.
     */
    public WriteOutcome writeVectors(VectorColumn column, long runId, String owner, String model, List<VectorWrite> writes,
            long inputTokens) {
        String sql = """
                with mine as (
                    -- Locked and re-checked: a lease that expired and went to another worker since this
                    -- statement's snapshot drops out here instead of being counted twice.
                    -- LATERAL: one primary-key lookup per staged row. The stage has no statistics, and a
                    -- plain join was planned as a scan of every item of the run (350 ms a batch at 100k).
                    select s.* from backfill_vector_stage s
                    cross join lateral (
                        select 1 from backfill_items i
                        join backfill_runs r on r.id = i.run_id and r.status <> 'CANCELLED'
                        where i.run_id = ? and i.question_id = s.id and i.state = 'LEASED' and i.lease_owner = ?
                        for update of i
                    ) held
                ), written as (
                    update questions q set %1$s = mine.vec, %2$s = ?, %3$s = mine.hash, %4$s = now()
                    from mine where q.id = mine.id and q.content_hash = mine.hash and q.deleted_at is null
                    returning q.id
                ), done as (
                    -- The items of mine are locked by this statement: no re-check of the lease needed.
                    -- "= any (array(...))": primary-key lookups whatever the planner thinks of the CTEs'
                    -- sizes (as joins they were planned as scans of every item of the run).
                    update backfill_items i set state = 'DONE', lease_owner = null, lease_expires_at = null, done_by = ?
                    where i.run_id = ? and i.question_id = any (array(select id from written))
                    returning i.question_id
                ), stale as (
                    update backfill_items i set state = 'PENDING', lease_owner = null, lease_expires_at = null
                    where i.run_id = ? and i.question_id = any (array(select id from mine where id not in (select id from written)))
                    returning i.question_id
                ), healed as (
                    delete from backfill_failures f where f.run_id = ? and f.question_id = any (array(select question_id from done))
                ), counted as (
                    update backfill_runs set succeeded = succeeded + (select count(*) from done),
                           input_tokens = input_tokens + ?, updated_at = now(), version = version + 1
                    where id = ?
                )
                select (select count(*) from done), (select count(*) from stale)""".formatted(
                column.vector, column.model, column.contentHash, column.embeddedAt);
        return transaction("Cannot write vectors of run " + runId, c -> {
            stageVectors(c, writes);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, runId);
                ps.setString(2, owner);
                ps.setString(3, model);
                ps.setString(4, owner);
                ps.setLong(5, runId);
                ps.setLong(6, runId);
                ps.setLong(7, runId);
                ps.setLong(8, inputTokens);
                ps.setLong(9, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new WriteOutcome(rs.getInt(1), rs.getInt(2));
                }
            }
        });
    }

    /** PostgreSQL's binary COPY signature, flags and header-extension length (COPY's "File Formats"). */
    private static final byte[] COPY_HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};

    /**
     * Puts a batch into this transaction's {@code backfill_vector_stage} (a temporary table, emptied
     * at commit) with {@code COPY FROM STDIN (FORMAT BINARY)}. The framing is written here because
     * PgJDBC has no binary-COPY row writer; the vector encoding is pgvector-java's.
     */
    private static void stageVectors(Connection c, List<VectorWrite> writes) throws SQLException {
        try (var st = c.createStatement()) {
            // synchronous_commit off for this transaction only: it does not wait for its WAL flush.
            // A crash of the database server may lose the last fraction of a second of batches, but
            // vectors and checkpoint together, so those rows are simply embedded again; nothing is
            // half-written. The backfill commits ~1,000 times per 100k rows.
            st.execute("set local synchronous_commit = off; "
                    + "create temporary table if not exists backfill_vector_stage (id bigint, vec vector, hash text) on commit delete rows");
        }
        int dims = writes.isEmpty() ? 0 : writes.get(0).vector().length;
        var bytes = new ByteArrayOutputStream(COPY_HEADER.length + writes.size() * (dims * 4 + 64) + 2);
        try (var out = new DataOutputStream(bytes)) {
            out.write(COPY_HEADER);
            for (VectorWrite w : writes) {
                PGvector vector = new PGvector(w.vector());
                byte[] vec = new byte[vector.lengthInBytes()];
                vector.toBytes(vec, 0);
                byte[] hash = w.contentHash().getBytes(StandardCharsets.UTF_8);
                out.writeShort(3);
                out.writeInt(8);
                out.writeLong(w.questionId());
                out.writeInt(vec.length);
                out.write(vec);
                out.writeInt(hash.length);
                out.write(hash);
            }
            out.writeShort(-1);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not throw
        }
        byte[] data = bytes.toByteArray();
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("copy backfill_vector_stage (id, vec, hash) from stdin (format binary)");
        try {
            copy.writeToCopy(data, 0, data.length);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** Gives leased rows back without counting an attempt (pause, cancel, shutdown, outage). */
    public void release(long runId, String owner, List<Long> questionIds) {
        update("""
                update backfill_items set state = 'PENDING', lease_owner = null, lease_expires_at = null
                where run_id = ? and lease_owner = ? and state = 'LEASED' and question_id = any (?)""", runId, owner, questionIds);
    }

    /**
     * Counts a failed attempt for each row: rows below {@code maxAttempts} (and retryable) go back to
     * PENDING; the others become FAILED, are recorded in the failure table and counted as failed.
     */
    public void recordFailures(long runId, String owner, List<RowFailure> failures, int maxAttempts, boolean retryable) {
        if (failures.isEmpty()) {
            return;
        }
        transaction("Cannot record failures of run " + runId, c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    with input as (
                        select * from unnest(?::bigint[], ?::text[], ?::text[]) as t(id, code, message)
                    ), bumped as (
                        update backfill_items i
                        set attempts = i.attempts + 1,
                            state = case when ? and i.attempts + 1 < ? then 'PENDING' else 'FAILED' end,
                            lease_owner = null, lease_expires_at = null
                        from input where i.run_id = ? and i.question_id = input.id and i.lease_owner = ? and i.state = 'LEASED'
                        returning i.question_id, i.attempts, i.state
                    ), recorded as (
                        insert into backfill_failures (run_id, question_id, attempts, error_code, error)
                        select ?, b.question_id, b.attempts, input.code, input.message
                        from bumped b join input on input.id = b.question_id where b.state = 'FAILED'
                        on conflict (run_id, question_id) do update
                            set attempts = excluded.attempts, error_code = excluded.error_code, error = excluded.error,
                                last_attempt_at = now()
                    )
                    update backfill_runs set failed = failed + (select count(*) from bumped where state = 'FAILED'),
                           updated_at = now(), version = version + 1
                    where id = ?""")) {
                Long[] ids = failures.stream().map(RowFailure::questionId).toArray(Long[]::new);
                ps.setArray(1, c.createArrayOf("bigint", ids));
                ps.setArray(2, c.createArrayOf("text", failures.stream().map(RowFailure::code).toArray()));
                ps.setArray(3, c.createArrayOf("text", failures.stream().map(f -> truncate(f.message())).toArray()));
                ps.setBoolean(4, retryable);
                ps.setInt(5, maxAttempts);
                ps.setLong(6, runId);
                ps.setString(7, owner);
                ps.setLong(8, runId);
                ps.setLong(9, runId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Ends a RUNNING run whose rows are all DONE or FAILED — after a final sweep that adds rows
     * created or changed since the run began. Serialised on the run row, so that of several
     * workers exactly one completes it. Returns true when the run is COMPLETED.
     */
    public boolean completeIfDone(long runId) {
        return transaction("Cannot complete run " + runId, c -> {
            RunRow run;
            try (PreparedStatement ps = c.prepareStatement("select " + RUN_COLUMNS + " from backfill_runs where id = ? for update")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    run = runRow(rs);
                }
            }
            if (run.status() != RunStatus.RUNNING) {
                return run.status() == RunStatus.COMPLETED;
            }
            if (run.indexPending()) {
                return false; // the index the run dropped is built first (the worker does it; this row lock orders the two)
            }
            if (exists(c, "select 1 from backfill_items where run_id = ? and state in ('PENDING','LEASED')", runId)
                    || sweep(c, run) > 0) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    update backfill_runs set status = 'COMPLETED', finished_at = now(), updated_at = now(), version = version + 1
                    where id = ?""")) {
                ps.setLong(1, runId);
                ps.executeUpdate();
            }
            return true;
        });
    }

    /**
     * The final sweep: rows in the run's scope that are not in it yet (created during the run), and
     * DONE rows whose text changed after they were embedded. Returns how many it queued.
     */
    private long sweep(Connection c, RunRow run) throws SQLException {
        long added;
        try (PreparedStatement ps = c.prepareStatement("""
                insert into backfill_items (run_id, question_id)
                select ?, q.id from questions q
                where (%s) and not exists (select 1 from backfill_items i where i.run_id = ? and i.question_id = q.id)""".formatted(
                scopePredicate(run.scope())))) {
            int i = 1;
            ps.setLong(i++, run.id());
            i = bindScope(ps, i, run.scope(), run.model(), run.dimensions());
            ps.setLong(i, run.id());
            added = ps.executeUpdate();
        }
        long edited;
        try (PreparedStatement ps = c.prepareStatement("""
                update backfill_items i set state = 'PENDING', attempts = 0
                from questions q
                where i.run_id = ? and i.state = 'DONE' and q.id = i.question_id and q.deleted_at is null
                  and q.embedding_content_hash is distinct from q.content_hash""")) {
            ps.setLong(1, run.id());
            edited = ps.executeUpdate();
        }
        if (added + edited > 0) {
            try (PreparedStatement ps = c.prepareStatement("""
                    update backfill_runs set total = total + ?, succeeded = succeeded - ?, updated_at = now(), version = version + 1
                    where id = ?""")) {
                ps.setLong(1, added);
                ps.setLong(2, edited);
                ps.setLong(3, run.id());
                ps.executeUpdate();
            }
        }
        return added + edited;
    }

    /**
     * Queues a run's FAILED rows again (attempts reset) and re-opens the run if it had ended.
     * Returns how many rows were queued, or -1 when the run is cancelled (checked under the run's
     * row lock, so that a cancel committing meanwhile cannot leave re-queued rows nobody works on).
     */
    public long retryFailures(long runId) {
        return transaction("Cannot retry failures of run " + runId, c -> {
            try (PreparedStatement ps = c.prepareStatement("select status from backfill_runs where id = ? for update")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || RunStatus.CANCELLED.name().equals(rs.getString(1))) {
                        return -1L;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    with queued as (
                        update backfill_items set state = 'PENDING', attempts = 0
                        where run_id = ? and state = 'FAILED' returning 1
                    )
                    update backfill_runs set failed = failed - (select count(*) from queued),
                           status = case when (select count(*) from queued) > 0 and status in ('COMPLETED','FAILED') then 'RUNNING' else status end,
                           finished_at = case when (select count(*) from queued) > 0 then null else finished_at end,
                           updated_at = now(), version = version + 1
                    where id = ?
                    returning (select count(*) from queued)""")) {
                ps.setLong(1, runId);
                ps.setLong(2, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** A page of the failure table in question-id order, after {@code after}. */
    public List<FailureRow> failures(long runId, int limit, long after) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        select question_id, attempts, error_code, error, last_attempt_at from backfill_failures
                        where run_id = ? and question_id > ? order by question_id limit ?""")) {
            ps.setLong(1, runId);
            ps.setLong(2, after);
            ps.setInt(3, limit);
            List<FailureRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new FailureRow(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                            rs.getObject(5, OffsetDateTime.class)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read failures of run " + runId, e);
        }
    }

    // --- the search index during a run (SearchIndex) --------------------------------------------

    /** Serialises index builds across replicas (pg_try_advisory_lock key, "reembed2"). */
    static final long INDEX_BUILD_LOCK = 0x7265656d62656432L;
    private static final String INDEX = MigrationRepository.INDEX_NAME;

    /**
     * Records that the run drops the index, then drops it. In that order: a crash in between leaves
     * a run that must build an index it finds still there, which the build treats as done.
     */
    public void dropSearchIndexFor(long runId) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            // Dropping needs only the schema; building it again needs the table. Never drop what
            // this role could not put back.
            try (ResultSet rs = st.executeQuery(
                    "select pg_has_role(current_user, c.relowner, 'USAGE') from pg_class c where c.oid = 'questions'::regclass")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new IllegalStateException("the service's database role does not own questions, so it could not build "
                            + "the index again");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    update backfill_runs set index_dropped_at = now(), index_build_started_at = null, index_built_at = null,
                           index_build_ms = null, updated_at = now(), version = version + 1
                    where id = ? and index_dropped_at is null""")) {
                ps.setLong(1, runId);
                ps.executeUpdate();
            }
            // CONCURRENTLY: searches and the application's writes go on while it waits for them.
            st.execute("drop index concurrently if exists " + INDEX);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop the search index for run " + runId, e);
        }
    }

    /** Shows an error on a run that goes on (lastError), e.g. a failed index build. */
    public void noteError(long runId, String message) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "update backfill_runs set last_error = ?, updated_at = now(), version = version + 1 where id = ?")) {
            ps.setString(1, truncate(message));
            ps.setLong(2, runId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot record an error on run " + runId, e);
        }
    }

    /** Undoes the record of a drop that failed: the run keeps the index (strategy KEEP, so it is not tried again). */
    public void keepSearchIndexFor(long runId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        update backfill_runs set index_dropped_at = null, index_strategy = 'KEEP', updated_at = now(), version = version + 1
                        where id = ? and index_built_at is null and index_build_started_at is null""")) {
            ps.setLong(1, runId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot record that run " + runId + " keeps the search index", e);
        }
    }

    /** Runs whose dropped index is not back yet. */
    public boolean indexPending() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select 1 from backfill_runs where index_dropped_at is not null and index_built_at is null limit 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the runs' index state", e);
        }
    }

    /** Rows of the run still to embed (PENDING or LEASED). */
    public boolean hasOpenItems(long runId) {
        try (Connection c = dataSource.getConnection()) {
            return exists(c, "select 1 from backfill_items where run_id = ? and state in ('PENDING','LEASED') limit 1", runId);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the items of run " + runId, e);
        }
    }

    /** How the build went: NOT_NOW when another session builds it, otherwise the index is there. */
    public enum BuildOutcome {
        BUILT, FOUND, NOT_NOW
    }

    /**
     * Builds the search index that runs dropped, with {@code CREATE INDEX CONCURRENTLY} (searches and
     * the application's writes go on), the given HNSW parameters and session settings, and marks
     * those runs: their index is back. One build at a time across replicas (advisory lock); an
     * invalid index left by a cancelled or crashed build is dropped and built again.
     *
     * @param running receives the statement before the long build starts, so that a shutdown can cancel it
     */
    public BuildOutcome buildSearchIndex(int m, int efConstruction, String maintenanceWorkMem, int parallelWorkers,
            Consumer<Statement> running) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select pg_try_advisory_lock(" + INDEX_BUILD_LOCK + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return BuildOutcome.NOT_NOW;
                }
            }
            try {
                MigrationRepository.IndexInfo index = MigrationRepository.embeddingIndex(c);
                BuildOutcome outcome = BuildOutcome.FOUND;
                long started = System.nanoTime();
                if (!index.present() || !index.valid()) {
                    if (index.present()) { // invalid: left by an interrupted CONCURRENTLY build
                        st.execute("drop index concurrently if exists " + INDEX);
                    }
                    st.executeUpdate("""
                            update backfill_runs set index_build_started_at = now(), updated_at = now(), version = version + 1
                            where index_dropped_at is not null and index_built_at is null""");
                    try (PreparedStatement ps = c.prepareStatement(
                            "select set_config('maintenance_work_mem', ?, false), set_config('max_parallel_maintenance_workers', ?, false)")) {
                        ps.setString(1, maintenanceWorkMem);
                        ps.setString(2, Integer.toString(parallelWorkers));
                        ps.execute();
                    }
                    running.accept(st);
                    // m and ef_construction are ints from configuration, never request input.
                    st.execute("create index concurrently if not exists %s on questions using hnsw (embedding vector_cosine_ops) with (m = %d, ef_construction = %d)"
                            .formatted(INDEX, m, efConstruction));
                    outcome = BuildOutcome.BUILT;
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        update backfill_runs set index_built_at = now(),
                               index_build_ms = case when ? then ? else index_build_ms end,
                               last_error = case when last_error like 'Search index build failed%' then null else last_error end,
                               updated_at = now(), version = version + 1
                        where index_dropped_at is not null and index_built_at is null""")) {
                    ps.setBoolean(1, outcome == BuildOutcome.BUILT);
                    ps.setLong(2, (System.nanoTime() - started) / 1_000_000);
                    ps.executeUpdate();
                }
                return outcome;
            } finally {
                running.accept(null);
                st.execute("reset maintenance_work_mem; reset max_parallel_maintenance_workers; select pg_advisory_unlock("
                        + INDEX_BUILD_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot build the search index: " + e.getMessage(), e);
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    /** One transaction; a unique violation (the one-active-run index) becomes {@link ActiveRunExists}. */
    private <T> T transaction(String what, Transactions.Work<T> work) {
        return Transactions.inTransaction(dataSource, what, work, e -> "23505".equals(e.getSQLState())
                ? new ActiveRunExists(activeRun().map(RunRow::id).orElse(-1L)) : null);
    }

    private static int bindScope(PreparedStatement ps, int i, Scope scope, String model, int dimensions) throws SQLException {
        if (scope == Scope.STALE) {
            ps.setString(i++, model);
            ps.setInt(i++, dimensions);
        }
        return i;
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    private static Array longs(Connection c, List<Long> ids) throws SQLException {
        return c.createArrayOf("bigint", ids.toArray());
    }

    private static boolean exists(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private void update(String sql, long runId, String owner, List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, runId);
            ps.setString(2, owner);
            ps.setArray(3, longs(c, ids));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private List<RunRow> runs(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<RunRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(runRow(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read backfill runs", e);
        }
    }

    private static RunRow runRow(ResultSet rs) throws SQLException {
        return new RunRow(rs.getLong("id"), RunStatus.valueOf(rs.getString("status")), rs.getString("model"),
                rs.getInt("dimensions"), Scope.valueOf(rs.getString("scope")), rs.getInt("batch_size"), rs.getInt("concurrency"),
                rs.getBigDecimal("price_per_million"), rs.getLong("total"), rs.getLong("succeeded"), rs.getLong("failed"),
                rs.getLong("input_tokens"), rs.getString("trigger"), rs.getObject("created_at", OffsetDateTime.class),
                rs.getObject("started_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class),
                rs.getObject("finished_at", OffsetDateTime.class), rs.getString("last_error"), rs.getLong("version"),
                IndexStrategy.valueOf(rs.getString("index_strategy")), rs.getObject("index_dropped_at", OffsetDateTime.class),
                rs.getObject("index_build_started_at", OffsetDateTime.class), rs.getObject("index_built_at", OffsetDateTime.class),
                (Long) rs.getObject("index_build_ms"));
    }

    /**
     * Fresh planner statistics for questions: after a backfill the column went from (mostly) NULL
     * to filled, and stale statistics would keep searches off the HNSW index until autovacuum runs.
     */
    public void analyzeQuestions() {
        analyze("questions");
    }

    /** {@code table}: a constant of this class, never input. */
    private void analyze(String table) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("analyze " + table)) {
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot analyze " + table, e);
        }
    }

    /** For tests and the worker's status checks without a full row. */
    public Optional<RunStatus> status(long runId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select status from backfill_runs where id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(RunStatus.valueOf(rs.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read run " + runId, e);
        }
    }
}
