package dev.reembed.migration;

/** Stops start-up (Flyway V1) with one of the messages of the pgvector enablement spec. */
public class PgvectorEnablementException extends RuntimeException {

    public PgvectorEnablementException(String message) {
        super(message);
    }

    public PgvectorEnablementException(String message, Throwable cause) {
        super(message, cause);
    }
}
