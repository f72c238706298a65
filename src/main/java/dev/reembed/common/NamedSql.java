package dev.reembed.common;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SQL with named parameters ({@code :run}), bound by name on a plain JDBC connection: a statement
 * that uses the run id five times binds it once.
 *
 * <p>Hand-written rather than Jdbi: all this service needs from it is the {@code :name} rewrite, the
 * backfill's hot path needs the raw PgJDBC connection anyway (binary COPY), and Jdbi's config
 * registry instantiates classes reflectively, which a native image would need registered. The
 * parser knows what can hide a colon in PostgreSQL: {@code ::} casts, quoted strings and
 * identifiers, dollar-quoted bodies and comments.
 */
public final class NamedSql {

    private final String jdbc;
    private final Map<String, List<Integer>> positions;

    private NamedSql(String jdbc, Map<String, List<Integer>> positions) {
        this.jdbc = jdbc;
        this.positions = positions;
    }

    /** Parses once; keep the result in a constant. */
    public static NamedSql of(String sql) {
        StringBuilder out = new StringBuilder(sql.length());
        Map<String, List<Integer>> positions = new HashMap<>();
        int n = 0;
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            int skip = skipLiteral(sql, i);
            if (skip > i) {
                out.append(sql, i, skip);
                i = skip;
            } else if (c == ':' && i + 1 < sql.length() && sql.charAt(i + 1) == ':') {
                out.append("::");
                i += 2;
            } else if (c == ':' && i + 1 < sql.length() && Character.isJavaIdentifierStart(sql.charAt(i + 1))) {
                int end = i + 1;
                while (end < sql.length() && Character.isJavaIdentifierPart(sql.charAt(end))) {
                    end++;
                }
                positions.computeIfAbsent(sql.substring(i + 1, end), k -> new ArrayList<>()).add(++n);
                out.append('?');
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return new NamedSql(out.toString(), Map.copyOf(positions));
    }

    /** The end of a quoted string, quoted identifier, dollar-quoted body or comment starting at {@code i}, or {@code i}. */
    private static int skipLiteral(String sql, int i) {
        char c = sql.charAt(i);
        if (c == '\'' || c == '"') {
            int end = i + 1;
            while (end < sql.length()) {
                if (sql.charAt(end) == c) {
                    if (end + 1 < sql.length() && sql.charAt(end + 1) == c) {
                        end += 2; // doubled quote inside
                        continue;
                    }
                    return end + 1;
                }
                end++;
            }
            return sql.length();
        }
        if (sql.startsWith("--", i)) {
            int end = sql.indexOf('\n', i);
            return end < 0 ? sql.length() : end;
        }
        if (sql.startsWith("/*", i)) {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? sql.length() : end + 2;
        }
        if (c == '$') {
            int tagEnd = sql.indexOf('$', i + 1);
            if (tagEnd > 0 && sql.substring(i + 1, tagEnd).chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
                String tag = sql.substring(i, tagEnd + 1);
                int end = sql.indexOf(tag, tagEnd + 1);
                return end < 0 ? sql.length() : end + tag.length();
            }
        }
        return i;
    }

    /** The statement as JDBC sees it ({@code ?} placeholders). */
    public String jdbc() {
        return jdbc;
    }

    public Bound prepare(Connection c) throws SQLException {
        return new Bound(c, c.prepareStatement(jdbc));
    }

    /** A prepared statement whose parameters are set by name; closing it closes the statement. */
    public final class Bound implements AutoCloseable {
        private final Connection connection;
        private final PreparedStatement ps;

        private Bound(Connection connection, PreparedStatement ps) {
            this.connection = connection;
            this.ps = ps;
        }

        @FunctionalInterface
        private interface Setter {
            void set(int position) throws SQLException;
        }

        /** Sets every position of {@code name}. */
        private Bound each(String name, Setter setter) throws SQLException {
            List<Integer> at = positions.get(name);
            if (at == null) {
                throw new IllegalArgumentException("No parameter :" + name + " in " + jdbc);
            }
            for (int i : at) {
                setter.set(i);
            }
            return this;
        }

        public Bound set(String name, long value) throws SQLException {
            return each(name, i -> ps.setLong(i, value));
        }

        /** A bigint that may be absent: null binds SQL NULL. */
        public Bound setNullable(String name, Long value) throws SQLException {
            return each(name, i -> {
                if (value == null) {
                    ps.setNull(i, Types.BIGINT);
                } else {
                    ps.setLong(i, value);
                }
            });
        }

        public Bound set(String name, int value) throws SQLException {
            return each(name, i -> ps.setInt(i, value));
        }

        public Bound set(String name, boolean value) throws SQLException {
            return each(name, i -> ps.setBoolean(i, value));
        }

        public Bound set(String name, double value) throws SQLException {
            return each(name, i -> ps.setDouble(i, value));
        }

        /** Text; null binds SQL NULL of type text. */
        public Bound set(String name, String value) throws SQLException {
            return each(name, i -> {
                if (value == null) {
                    ps.setNull(i, Types.VARCHAR);
                } else {
                    ps.setString(i, value);
                }
            });
        }

        public Bound set(String name, BigDecimal value) throws SQLException {
            return each(name, i -> ps.setBigDecimal(i, value));
        }

        /** An array parameter, e.g. {@code "bigint"} or {@code "text"}. */
        public Bound array(String name, String sqlType, Collection<?> values) throws SQLException {
            var array = connection.createArrayOf(sqlType, values.toArray());
            return each(name, i -> ps.setArray(i, array));
        }

        /** Rows fetched at a time (a cursor, inside a transaction): a large result is streamed, not held. */
        public Bound fetchSize(int rows) throws SQLException {
            ps.setFetchSize(rows);
            return this;
        }

        public int executeUpdate() throws SQLException {
            return ps.executeUpdate();
        }

        public ResultSet executeQuery() throws SQLException {
            return ps.executeQuery();
        }

        @Override
        public void close() throws SQLException {
            ps.close();
        }
    }
}
