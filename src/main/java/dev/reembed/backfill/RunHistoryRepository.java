package dev.reembed.backfill;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/** The SQL of {@code backfill_history} (V2.5): additive upserts and a run's minutes. */
@ApplicationScoped
public class RunHistoryRepository {

    /** A replica's counts for one (run, minute), to be added to what the table holds. */
    record Delta(long runId, long epochMinute, long rows, long tokens, long calls, long rateLimited, long errors,
            long leaseTakeovers) {
    }

    private final AgroalDataSource dataSource;

    public RunHistoryRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Adds the deltas, in one statement. Counts of a run that no longer exists are dropped (a
     * foreign-key error would fail every later flush too). The deltas' keys must be distinct.
     */
    void add(Collection<Delta> deltas) {
        if (deltas.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into backfill_history (run_id, minute, rows, tokens, calls, rate_limited, errors, lease_takeovers)
                select u.run_id, to_timestamp(u.epoch_minute * 60), u.rows, u.tokens, u.calls, u.rate_limited, u.errors, u.takeovers
                from unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])
                     as u(run_id, epoch_minute, rows, tokens, calls, rate_limited, errors, takeovers)
                where exists (select 1 from backfill_runs r where r.id = u.run_id)
                on conflict (run_id, minute) do update set
                    rows = backfill_history.rows + excluded.rows,
                    tokens = backfill_history.tokens + excluded.tokens,
                    calls = backfill_history.calls + excluded.calls,
                    rate_limited = backfill_history.rate_limited + excluded.rate_limited,
                    errors = backfill_history.errors + excluded.errors,
                    lease_takeovers = backfill_history.lease_takeovers + excluded.lease_takeovers""")) {
            ps.setArray(1, longs(c, deltas.stream().map(Delta::runId)));
            ps.setArray(2, longs(c, deltas.stream().map(Delta::epochMinute)));
            ps.setArray(3, longs(c, deltas.stream().map(Delta::rows)));
            ps.setArray(4, longs(c, deltas.stream().map(Delta::tokens)));
            ps.setArray(5, longs(c, deltas.stream().map(Delta::calls)));
            ps.setArray(6, longs(c, deltas.stream().map(Delta::rateLimited)));
            ps.setArray(7, longs(c, deltas.stream().map(Delta::errors)));
            ps.setArray(8, longs(c, deltas.stream().map(Delta::leaseTakeovers)));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot record the backfill history", e);
        }
    }

    /** The run's minutes with activity, ascending; empty when there is no such run. */
    Optional<List<HistoryMinute>> minutes(long runId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select h.minute, h.rows, h.tokens, h.calls, h.rate_limited, h.errors, h.lease_takeovers
                from backfill_runs r left join backfill_history h on h.run_id = r.id
                where r.id = ? order by h.minute""")) {
            ps.setLong(1, runId);
            List<HistoryMinute> out = new ArrayList<>();
            boolean run = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    run = true;
                    OffsetDateTime minute = rs.getObject(1, OffsetDateTime.class);
                    if (minute != null) { // null: the run has no history yet (the left join's one row)
                        out.add(new HistoryMinute(minute.toInstant(), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                                rs.getLong(6), rs.getLong(7)));
                    }
                }
            }
            return run ? Optional.of(out) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the history of run " + runId, e);
        }
    }

    private static java.sql.Array longs(Connection c, java.util.stream.Stream<Long> values) throws SQLException {
        return c.createArrayOf("bigint", values.toArray());
    }
}
