package dev.reembed.embedding.call;

import dev.reembed.embedding.EmbeddingException.Code;

/** Connection failures and timeouts, the same for every HTTP vendor: retried with backoff. */
public final class ConnectionFailures {

    private ConnectionFailures() {
    }

    /** A failure to reach the vendor or to read its answer in time. */
    public static Failure of(Throwable e) {
        return isTimeout(e) ? Failure.retry(Code.TIMEOUT, "timed out")
                : Failure.retry(Code.UNAVAILABLE, "failed to connect: " + rootMessage(e));
    }

    static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException
                    || name.contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
