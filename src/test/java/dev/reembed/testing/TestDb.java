package dev.reembed.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.ConfigProvider;

/** JDBC helpers for tests that look at the real database (never a stand-in). */
public final class TestDb {

    private TestDb() {
    }

    /** Empties the question store so that a test class starts from nothing. */
    public static void resetQuestions(DataSource ds) {
        exec(ds, "truncate table solutions, questions restart identity cascade");
    }

    public static void exec(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static String string(DataSource ds, String sql, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static long number(DataSource ds, String sql, Object... args) {
        return Long.parseLong(string(ds, sql, args));
    }

    /** The declared dimension of questions.embedding, read from the catalog. */
    public static int embeddingDimensions(DataSource ds) {
        return (int) number(ds, "select atttypmod from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding'");
    }

    /** A pgvector literal for a unit vector of {@code dims} dimensions that points mostly along axis {@code axis}. */
    /** {@code <schema>.questions.embedding}'s type, e.g. vector(1536), read from the catalog. */
    public static String embeddingType(DataSource ds, String schema) {
        return string(ds, "select format_type(a.atttypid, a.atttypmod) from pg_attribute a join pg_class c on c.oid = a.attrelid "
                + "join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relname = 'questions' "
                + "and a.attname = 'embedding'", schema);
    }

    public static String vectorLiteral(int dims, int axis, double tilt) {
        double[] v = new double[dims];
        v[axis] = 1;
        v[(axis + 1) % dims] = tilt;
        return literal(v);
    }

    public static String literal(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(String.format(Locale.ROOT, "%.6f", v[i]));
        }
        return sb.append(']').toString();
    }

    /** The test datasource's URL, user and password, whether given by scripts/test.sh or Dev Services. */
    public static String url() {
        return ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
    }

    public static String user() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.username", String.class).orElse(null);
    }

    public static String password() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.password", String.class).orElse(null);
    }

    /** The URL of another database on the same server. */
    public static String urlOf(String database) {
        return replaceDatabase(url(), database);
    }

    public static String replaceDatabase(String url, String database) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }

    /** The first two columns of {@code sql}'s rows (an id and a text), in the order the query gives. */
    public static java.util.Map<Long, String> pairs(javax.sql.DataSource db, String sql) {
        java.util.Map<Long, String> out = new java.util.LinkedHashMap<>();
        try (var c = db.getConnection(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /**
     * A new scratch database name, prefixed by the test database's own ({@code reembed_test_scratch_…}):
     * scripts/postgres.sh --fresh-test-db drops only its test database's scratch databases, never
     * those of another run sharing the server (CI in a clone, a second checkout).
     */
    public static String scratchName(String testDbUrl) {
        String path = testDbUrl.replaceFirst("\\?.*$", "");
        String db = path.substring(path.lastIndexOf('/') + 1);
        return db + "_scratch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * Runs {@code body} against a brand-new empty database (no pgvector extension in it) made by the
     * test role, and drops it afterwards.
     */
    public static void withScratchDatabase(Consumer<Connection> body) {
        String name = scratchName(url());
        try (Connection admin = DriverManager.getConnection(url(), user(), password());
                Statement st = admin.createStatement()) {
            st.execute("create database " + name); // generated name, not user input
            try (Connection c = DriverManager.getConnection(urlOf(name), user(), password())) {
                body.accept(c);
            } finally {
                st.execute("drop database if exists " + name + " with (force)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
