package dev.reembed.common;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;

import javax.sql.DataSource;

/** One JDBC transaction: commit on success, rollback on any failure. Every repository's multi-statement work uses it. */
public final class Transactions {

    private Transactions() {
    }

    /** Work that runs inside the transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public static <T> T inTransaction(DataSource dataSource, String what, Work<T> work) {
        return inTransaction(dataSource, what, work, e -> null);
    }

    /**
     * @param translate turns a database error into the caller's own exception (null: not one of
     *                  its own), after the rollback
     */
    public static <T> T inTransaction(DataSource dataSource, String what, Work<T> work,
            Function<SQLException, RuntimeException> translate) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                if (e instanceof SQLException sql) {
                    RuntimeException own = translate.apply(sql);
                    if (own != null) {
                        throw own;
                    }
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }
}
