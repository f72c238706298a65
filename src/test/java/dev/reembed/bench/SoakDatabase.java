package dev.reembed.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.reembed.testing.ScratchDatabase;

/** A scratch database of the soak (cloned from the pgvector template, dropped on close) and the SQL the soak runs on it. */
final class SoakDatabase extends ScratchDatabase {


    /**
     * Questions of varied, real-looking text (openings × topics × triggers × environments, one or two
     * follow-up sentences, seeded), each content made distinct by its ticket number: the fake's
     * per-text counts then count per row.
     */
    void seed(int n) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("select setseed(0.13)"); // same session as the insert: the same texts every run
            st.execute("""
                insert into questions (title, content)
                select initcap(v.verb) || ' ' || v.topic,
                       v.verb || ' ' || v.topic || ' when ' || v.err || ' ' || v.env || '? ' || v.more || ' Ticket ' || g || '.'
                from generate_series(1, :rows) g,
                lateral (select
                    (array['how do I fix', 'why does', 'what is the best way to handle', 'can someone explain',
                           'is it safe to ignore', 'how should I debug', 'what causes', 'how can I speed up'])[1 + floor(random() * 8 + g * 0)::int] as verb,
                    (array['a deadlock in PostgreSQL', 'slow HNSW index builds', 'OAuth token refresh', 'Kafka consumer lag',
                           'a memory leak in the JVM', 'flaky integration tests', 'Docker layer caching', 'TLS handshake failures',
                           'React state updates', 'a Terraform plan drift', 'gRPC deadline errors', 'Python import cycles'])[1 + floor(random() * 12 + g * 0)::int] as topic,
                    (array['the build runs on CI', 'traffic spikes', 'the nightly job starts', 'two users save at once',
                           'the cluster scales down', 'a replica fails over'])[1 + floor(random() * 6 + g * 0)::int] as err,
                    (array['in production', 'on Kubernetes 1.29', 'with Java 17', 'on macOS', 'behind nginx',
                           'with PostgreSQL 15'])[1 + floor(random() * 6 + g * 0)::int] as env,
                    (array['I already restarted the service and cleared the cache.',
                           'The logs show a stack trace pointing at the connection pool.',
                           'It only happens under load, roughly once an hour.',
                           'We upgraded the driver last week and nothing else changed.',
                           'Rolling back the deploy makes the problem go away.',
                           'Is there a configuration flag for this, or do I need a patch?'])[1 + floor(random() * 6 + g * 0)::int]
                    || case when random() < 0.5 then ' Any pointers would be appreciated.' else '' end as more
                ) v""".replace(":rows", String.valueOf(n)));
            st.execute("analyze questions");
        }
    }

    /** Rows of the run in these states (e.g. 'PENDING','LEASED'). */
    long items(long runId, String states) throws SQLException {
        return number("select count(*) from backfill_items where run_id = ? and state in (" + states + ")", runId);
    }

    /** Rows leased by the replica holding the newest lease, i.e. the live process (owner = replica/worker). */
    long leasedByNewestReplica(long runId) throws SQLException {
        return number("with live as (select split_part(lease_owner, '/', 1) r from backfill_items where run_id = ? and state = 'LEASED' "
                + "order by lease_expires_at desc limit 1) select count(*) from backfill_items i, live where i.run_id = ? "
                + "and i.state = 'LEASED' and split_part(i.lease_owner, '/', 1) = live.r", runId, runId);
    }

    /** Leases not yet expired. */
    long liveLeases(long runId) throws SQLException {
        return number("select count(*) from backfill_items where run_id = ? and state = 'LEASED' and lease_expires_at > now()", runId);
    }

    String status(long runId) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("select status from backfill_runs where id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    long number(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Appends an edit mark to a question's text; returns whether a row was changed. */
    boolean edit(long id, int n) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "update questions set content = content || ' Edited ' || ? || '.' where id = ? and deleted_at is null")) {
            ps.setInt(1, n);
            ps.setLong(2, id);
            return ps.executeUpdate() == 1;
        }
    }
}
