package dev.reembed.backfill;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.common.NamedSql;
import dev.reembed.common.Transactions;
import io.agroal.api.AgroalDataSource;

/**
 * The rows of a run ({@code backfill_items}, the checkpoint) as workers hold them: leased with
 * {@code FOR UPDATE SKIP LOCKED} so that replicas share a run without embedding a row twice,
 * renewed while a call is in flight, given back, or failed (with {@code backfill_failures}).
 */
@ApplicationScoped
public class LeaseRepository {

    /** A stored row a worker holds. */
    public record Lease(long questionId, String title, String content, String contentHash, int attempts) {
    }

    /**
     * What a lease took: the rows, the run's generation at that moment (the generation the call is
     * made in), and how many of the rows had been leased by a worker whose lease expired.
     */
    public record Leased(List<Lease> leases, int generation, int takenOver) {
    }

    public record RowFailure(long questionId, String code, String message) {
    }

    public record FailureRow(long questionId, int attempts, String errorCode, String error, OffsetDateTime lastAttemptAt) {
    }

    /** An in-flight batch of one worker, for the renewal. */
    public record Held(String owner, Collection<Long> questionIds) {
    }

    private static final NamedSql LEASE = NamedSql.of("""
            with picked as (
                select i.question_id, i.state = 'LEASED' as taken_over, r.generation from backfill_items i
                join backfill_runs r on r.id = i.run_id and r.status = 'RUNNING'
                where i.run_id = :run and (i.state = 'PENDING' or (i.state = 'LEASED' and i.lease_expires_at < now()))
                order by i.question_id
                limit :limit
                for update of i skip locked
            ), leased as (
                update backfill_items i
                set state = 'LEASED', lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :seconds)
                from picked where i.run_id = :run and i.question_id = picked.question_id
                returning i.question_id, i.attempts, picked.taken_over, picked.generation
            )
            select l.question_id, q.title, q.content, q.content_hash, l.attempts, q.id is null or q.deleted_at is not null,
                   l.taken_over, l.generation
            from leased l left join questions q on q.id = l.question_id
            order by l.question_id""");

    /** Rows deleted or soft-deleted since the run began leave it (and the failure table). */
    private static final NamedSql DROP_GONE = NamedSql.of("""
            with d as (delete from backfill_items where run_id = :run and question_id = any (:ids) returning 1),
            f as (delete from backfill_failures where run_id = :run and question_id = any (:ids))
            update backfill_runs set total = total - (select count(*) from d), updated_at = now()
            where id = :run""");

    private static final NamedSql RENEW = NamedSql.of("""
            update backfill_items i set lease_expires_at = now() + make_interval(secs => :seconds)
            from unnest(:owners::text[], :ids::bigint[]) as t(owner, id)
            where i.run_id = :run and i.question_id = t.id and i.lease_owner = t.owner and i.state = 'LEASED'""");

    private static final NamedSql RELEASE = NamedSql.of("""
            update backfill_items set state = 'PENDING', lease_owner = null, lease_expires_at = null
            where run_id = :run and lease_owner = :owner and state = 'LEASED' and question_id = any (:ids)""");

    private static final NamedSql RECORD_FAILURES = NamedSql.of("""
            with input as (
                select * from unnest(:ids::bigint[], :codes::text[], :messages::text[]) as t(id, code, message)
            ), bumped as (
                update backfill_items i
                set attempts = i.attempts + 1,
                    state = case when :retryable and i.attempts + 1 < :maxAttempts then 'PENDING' else 'FAILED' end,
                    lease_owner = null, lease_expires_at = null
                from input where i.run_id = :run and i.question_id = input.id and i.lease_owner = :owner and i.state = 'LEASED'
                returning i.question_id, i.attempts, i.state
            ), recorded as (
                insert into backfill_failures (run_id, question_id, attempts, error_code, error)
                select :run, b.question_id, b.attempts, input.code, input.message
                from bumped b join input on input.id = b.question_id where b.state = 'FAILED'
                on conflict (run_id, question_id) do update
                    set attempts = excluded.attempts, error_code = excluded.error_code, error = excluded.error,
                        last_attempt_at = now()
            )
            update backfill_runs set failed = failed + (select count(*) from bumped where state = 'FAILED'), updated_at = now()
            where id = :run""");

    private static final NamedSql FAILURES = NamedSql.of("""
            select question_id, attempts, error_code, error, last_attempt_at from backfill_failures
            where run_id = :run and question_id > :after order by question_id limit :limit""");

    private final AgroalDataSource dataSource;

    public LeaseRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Leases up to {@code limit} rows of a RUNNING run to {@code owner}, in primary-key order:
     * pending rows, and rows whose lease expired (their worker died). Nothing when the run is not
     * RUNNING.
     */
    public Leased lease(long runId, String owner, int limit, Duration leaseFor) {
        return Transactions.inTransaction(dataSource, "Cannot lease rows of run " + runId, c -> {
            List<Lease> out = new ArrayList<>();
            List<Long> gone = new ArrayList<>();
            int generation = -1;
            int takenOver = 0;
            try (var ps = LEASE.prepare(c).set("run", runId).set("limit", limit).set("owner", owner)
                    .set("seconds", leaseFor.toMillis() / 1000.0); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    generation = rs.getInt(8);
                    takenOver += rs.getBoolean(7) ? 1 : 0;
                    if (rs.getBoolean(6)) {
                        gone.add(rs.getLong(1));
                    } else {
                        out.add(new Lease(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5)));
                    }
                }
            }
            if (!gone.isEmpty()) {
                try (var ps = DROP_GONE.prepare(c).set("run", runId).array("ids", "bigint", gone)) {
                    ps.executeUpdate();
                }
            }
            return new Leased(out, generation, takenOver);
        });
    }

    /**
     * Extends the leases of batches still in flight, so that a lease can be short (a dead replica's
     * rows come back within it) while a live replica's slow call keeps its rows. Returns how many
     * rows were renewed: fewer than held means a lease was lost (it expired and was taken over).
     */
    public int renew(long runId, Duration leaseFor, List<Held> held) {
        List<String> owners = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (Held h : held) {
            for (Long id : h.questionIds()) {
                owners.add(h.owner());
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection(); var ps = RENEW.prepare(c)) {
            return ps.set("seconds", leaseFor.toMillis() / 1000.0).array("owners", "text", owners).array("ids", "bigint", ids)
                    .set("run", runId).executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot renew the leases of run " + runId, e);
        }
    }

    /** Gives leased rows back without counting an attempt (pause, cancel, shutdown, outage). */
    public void release(long runId, String owner, List<Long> questionIds) {
        if (questionIds.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); var ps = RELEASE.prepare(c)) {
            ps.set("run", runId).set("owner", owner).array("ids", "bigint", questionIds).executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot release rows of run " + runId, e);
        }
    }

    /**
     * Counts a failed attempt for each row: rows below {@code maxAttempts} (and retryable) go back to
     * PENDING; the others become FAILED, are recorded in the failure table and counted as failed.
     */
    public void recordFailures(long runId, String owner, List<RowFailure> failures, int maxAttempts, boolean retryable) {
        if (failures.isEmpty()) {
            return;
        }
        Transactions.inTransaction(dataSource, "Cannot record failures of run " + runId, c -> {
            try (var ps = RECORD_FAILURES.prepare(c)) {
                ps.array("ids", "bigint", failures.stream().map(RowFailure::questionId).toList())
                        .array("codes", "text", failures.stream().map(RowFailure::code).toList())
                        .array("messages", "text", failures.stream().map(f -> RunRepository.truncate(f.message())).toList())
                        .set("retryable", retryable).set("maxAttempts", maxAttempts).set("run", runId).set("owner", owner)
                        .executeUpdate();
            }
            return null;
        });
    }

    /** A page of the failure table in question-id order, after {@code after}. */
    public List<FailureRow> failures(long runId, int limit, long after) {
        try (Connection c = dataSource.getConnection();
                var ps = FAILURES.prepare(c).set("run", runId).set("after", after).set("limit", limit);
                ResultSet rs = ps.executeQuery()) {
            List<FailureRow> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new FailureRow(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5, OffsetDateTime.class)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read failures of run " + runId, e);
        }
    }
}
