package dev.reembed.verification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * Every SQL statement of the verification report, each for the {@link VerifiedColumn} it checks.
 * Column, index and function names come from that record's constants, never from a request.
 */
@ApplicationScoped
public class VerificationRepository {

    /** A sampled row: its id, vector text, title and content. */
    public record SampleRow(long id, String vector, String title, String content) {
    }

    /** Ids of a search, best first, and how long it took. */
    public record Search(List<Long> ids, List<Double> similarities, double millis) {
    }

    /** Rows in scope, and those without a vector of the model and dimension made from their current text. */
    public record Coverage(long total, long missing) {
    }

    /** Vectors off unit length, the worst |‖v‖ − 1| (0 without vectors), and the vectors measured. */
    public record Norms(long offUnit, double worstDeviation, long vectors) {
    }

    private final AgroalDataSource dataSource;

    public VerificationRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** In-scope rows, and those without a vector of the column's model and dimension made from their current text. */
    public Coverage coverage(VerifiedColumn v) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql(v, """
                        select count(*),
                               count(*) filter (where {vector} is null or {model} is distinct from ?
                                                or vector_dims({vector}) <> ? or {hash} is distinct from content_hash)
                        from questions where deleted_at is null"""))) {
            ps.setString(1, v.model());
            ps.setInt(2, v.dimensions());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Coverage(rs.getLong(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot measure coverage", e);
        }
    }

    /** Vectors whose L2 norm is off 1 by more than {@code tolerance}, and the worst norm. */
    public Norms norms(VerifiedColumn v, double tolerance) {
        // vector_norm takes a vector: a halfvec column is cast (exact: every half is a float).
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql(v, """
                        select count(*) filter (where abs(vector_norm({vector}::vector) - 1) > ?),
                               max(abs(vector_norm({vector}::vector) - 1)), count(*)
                        from questions where {vector} is not null and deleted_at is null"""))) {
            ps.setDouble(1, tolerance);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Norms(rs.getLong(1), rs.getObject(2) == null ? 0.0 : rs.getDouble(2), rs.getLong(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot measure norms", e);
        }
    }

    /** Up to {@code n} random in-scope rows that have a vector. */
    public List<SampleRow> sample(VerifiedColumn v, int n) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql(v, """
                        select id, {vector}::vector::text, title, content from questions
                        where id in (select id from questions where {vector} is not null and deleted_at is null
                                     order by random() limit ?)"""))) {
            ps.setInt(1, n);
            List<SampleRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SampleRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot sample rows", e);
        }
    }

    /** The column's search function (match_questions_with_solutions for the live one) with the given vector, timed. */
    public Search matchFunction(VerifiedColumn v, String vector, int count, Integer efSearch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                setEfSearch(c, efSearch);
                long start = System.nanoTime();
                Search s = ids(c, sql(v, "select id, similarity from {function}(?::vector, -1, ?)"), vector, count);
                return new Search(s.ids(), s.similarities(), (System.nanoTime() - start) / 1e6);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** The nearest {@code count} rows by cosine distance, through the HNSW index or by an exact scan. */
    public Search nearest(VerifiedColumn v, String vector, int count, boolean exact, Integer efSearch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                if (exact) {
                    st.execute("set local enable_indexscan = off");
                    st.execute("set local enable_bitmapscan = off");
                } else {
                    // the index even where a scan looks cheaper; no sort either, or a primary-key scan and a
                    // sort (an exact answer) can win at a small table's cost estimates after an ANALYZE
                    st.execute("set local enable_seqscan = off");
                    st.execute("set local enable_sort = off");
                    setEfSearch(c, efSearch);
                }
                return ids(c, sql(v, """
                        select id, 1 - ({vector} <=> ?::{type}) from questions
                        where deleted_at is null and {vector} is not null
                        order by {vector} <=> ?::{type} limit ?"""), vector, vector, count);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** Whether the plan of an index search really uses the column's HNSW index. */
    public boolean indexUsed(VerifiedColumn v, String vector) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("set local enable_seqscan = off"); // as nearest(…, exact = false, …) plans it
                st.execute("set local enable_sort = off");
                try (PreparedStatement ps = c.prepareStatement(sql(v, """
                        explain select id from questions where deleted_at is null and {vector} is not null
                        order by {vector} <=> ?::{type} limit 10"""))) {
                    ps.setString(1, vector);
                    StringBuilder plan = new StringBuilder();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            plan.append(rs.getString(1)).append('\n');
                        }
                    }
                    return plan.toString().contains(v.index() + " ") || plan.toString().contains(v.index() + "\n");
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** Calls the column's search function with a vector of {@code dims} dimensions; the error message when it refuses. */
    public String callFunctionWith(VerifiedColumn v, int dims) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        sql(v, "select count(*) from {function}(array_fill(0.5::real, array[?])::vector, 0.5, 1)"))) {
            ps.setInt(1, dims);
            ps.executeQuery().close();
            return null;
        } catch (SQLException e) {
            return e.getMessage();
        }
    }

    /** The statement with the column's names in place of {vector}, {model}, {hash}, {type} and {function}. */
    static String sql(VerifiedColumn v, String template) {
        return template.replace("{vector}", v.column().vector()).replace("{model}", v.column().model())
                .replace("{hash}", v.column().contentHash()).replace("{type}", v.type().sqlName())
                .replace("{function}", v.function());
    }

    private static void setEfSearch(Connection c, Integer efSearch) throws SQLException {
        if (efSearch != null) {
            try (PreparedStatement ps = c.prepareStatement("select set_config('hnsw.ef_search', ?, true)")) {
                ps.setString(1, efSearch.toString());
                ps.executeQuery().close();
            }
        }
    }

    private static Search ids(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<Long> ids = new ArrayList<>();
            List<Double> sims = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                    sims.add(rs.getDouble(2));
                }
            }
            return new Search(ids, sims, 0);
        }
    }
}
