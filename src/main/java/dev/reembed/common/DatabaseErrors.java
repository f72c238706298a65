package dev.reembed.common;

import java.sql.SQLException;
import java.util.Set;

/**
 * Which database errors pass: the server restarting or unreachable, a connection the restart
 * closed, a serialization failure or deadlock. The work is worth trying again after a pause; any
 * other error is a bug or a schema problem, and trying again would only repeat it.
 */
public final class DatabaseErrors {

    /** PostgreSQL's admin shutdown, crash shutdown, cannot connect now; too many connections; serialization; deadlock. */
    private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "53300", "40001", "40P01");

    private DatabaseErrors() {
    }

    public static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state))) {
                    return true; // class 08: connection exceptions ("This connection has been closed", refused)
                }
            }
        }
        return false;
    }
}
