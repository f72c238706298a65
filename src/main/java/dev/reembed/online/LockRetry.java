package dev.reembed.online;

import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.ws.rs.core.Response;

import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;

/**
 * Runs a schema change that takes its lock under {@code lock_timeout}: when the lock is not granted
 * in time (55P03) the transaction has rolled back and changed nothing, and it is tried again after
 * a jittered pause (100 ms doubling to 2 s), as pgroll does. Readers queue behind a waiting ACCESS
 * EXCLUSIVE request, so a short wait tried often beats one long wait. Hand-written rather than a
 * retry library: the rule is one SQLSTATE and a few lines.
 */
final class LockRetry {

    static final String LOCK_NOT_AVAILABLE = "55P03";
    private static final long FIRST_PAUSE_MS = 100;
    private static final long MAX_PAUSE_MS = 2000;

    @FunctionalInterface
    interface Attempt<T> {
        T run(int attempt);
    }

    private LockRetry() {
    }

    /** @throws ProblemException 503 with Retry-After when every try timed out on the lock */
    static <T> T run(int tries, String what, Attempt<T> attempt) {
        long pause = FIRST_PAUSE_MS;
        for (int i = 1;; i++) {
            try {
                return attempt.run(i);
            } catch (RuntimeException e) {
                if (!lockNotAvailable(e)) {
                    throw e;
                }
                if (i >= tries) {
                    throw new ProblemException(new Problem(Response.Status.SERVICE_UNAVAILABLE.getStatusCode(),
                            "Service Unavailable", what + ": the table lock was not granted in " + tries
                                    + " tries (long transactions on questions hold it); nothing changed, try again")
                            .with("retryAfterSeconds", 5));
                }
                sleep(ThreadLocalRandom.current().nextLong(pause / 2, pause + 1));
                pause = Math.min(MAX_PAUSE_MS, pause * 2);
            }
        }
    }

    static boolean lockNotAvailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the table lock", e);
        }
    }
}
