package dev.reembed.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

/**
 * A scratch database outside a Quarkus test (the benchmark, the soak): cloned from the pgvector
 * template when made, dropped when closed.
 */
public class ScratchDatabase implements AutoCloseable {

    private final ScratchDatabaseResource resource = new ScratchDatabaseResource();
    /** The datasource settings of the new database, as Quarkus keys. */
    public final Map<String, String> config;

    public ScratchDatabase() {
        resource.init(Map.of());
        config = resource.start();
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"), config.get("quarkus.datasource.username"),
                config.get("quarkus.datasource.password"));
    }

    /**
     * Drops the database. Retried for up to 30 s: after heavy writes an autovacuum worker (a
     * superuser's backend, which the test role may not terminate) can be on it for a moment.
     */
    @Override
    public void close() throws InterruptedException {
        for (int i = 0;; i++) {
            try {
                resource.stop();
                return;
            } catch (IllegalStateException e) {
                if (i == 29) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }
}
