package dev.reembed.migration;

import java.sql.SQLException;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.reembed.schema.PgvectorVersion;

/**
 * Enables pgvector the way seed 002 specifies: pre-checks, idempotent {@code CREATE EXTENSION},
 * version check, functional verification. Each failure throws with the spec's message, which stops
 * Flyway and so start-up.
 *
 * <p>The checks read the database through {@link Catalog} so that tests can inject what a real
 * server cannot be made to show (PostgreSQL 13, pgvector 0.4, a broken type).
 *
 * <p>The spec's downgrade rule (drop the extension only when nothing uses the {@code vector} type)
 * is for the rollback tooling: see docs/runbook.md, "Removing pgvector".
 */
public final class PgvectorEnablement {

    private static final Logger LOG = Logger.getLogger(PgvectorEnablement.class);

    /** PostgreSQL 14 as {@code server_version_num}. */
    static final int MIN_SERVER_VERSION_NUM = 140000;

    /** What V1 needs to know from, and do to, the database. */
    public interface Catalog {
        /** {@code server_version_num}, e.g. 150020. */
        int serverVersionNum() throws SQLException;

        /** {@code server_version}, e.g. "15.20 (Debian 15.20-0+deb12u1)". */
        String serverVersion() throws SQLException;

        /** Whether {@code vector} is listed in {@code pg_available_extensions}. */
        boolean extensionAvailable() throws SQLException;

        /** The installed extension's version from {@code pg_extension}, empty when not installed. */
        Optional<String> installedVersion() throws SQLException;

        /** Whether a visible type named {@code vector} exists that the extension does not own. */
        boolean foreignVectorTypeExists() throws SQLException;

        /** {@code CREATE EXTENSION IF NOT EXISTS vector [SCHEMA s]}. */
        void createExtension(Optional<String> schema) throws SQLException;

        /** Runs the type and operator checks; true when {@code <=>}, {@code <#>}, {@code <->} answer right. */
        boolean vectorTypeFunctional() throws SQLException;
    }

    private final Catalog catalog;

    public PgvectorEnablement(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Runs every step; returns the installed version. Safe to run again: a second run changes nothing. */
    public PgvectorVersion enable(Optional<String> schema) {
        try {
            int serverVersionNum = catalog.serverVersionNum();
            if (serverVersionNum < MIN_SERVER_VERSION_NUM) {
                throw new PgvectorEnablementException(
                        "PostgreSQL 14+ required for pgvector 0.5.0+. Current: " + catalog.serverVersion());
            }
            if (!catalog.extensionAvailable()) {
                throw new PgvectorEnablementException("pgvector extension not available. Ensure postgresql-"
                        + serverVersionNum / 10000 + "-pgvector is installed");
            }
            if (catalog.installedVersion().isEmpty()) {
                if (catalog.foreignVectorTypeExists()) {
                    throw new PgvectorEnablementException("Type 'vector' already exists from different source");
                }
                // No privilege pre-check: managed services (Supabase's supautils, RDS) let non-superusers
                // create allow-listed extensions, so the server's own answer is the only reliable one.
                try {
                    catalog.createExtension(schema);
                } catch (SQLException e) {
                    if ("42501".equals(e.getSQLState())) { // insufficient_privilege
                        throw new PgvectorEnablementException("Insufficient privileges to CREATE EXTENSION", e);
                    }
                    throw e;
                }
            }
            String installed = catalog.installedVersion().orElseThrow(
                    () -> new PgvectorEnablementException("Extension verification failed: vector type not functional"));
            PgvectorVersion version = PgvectorVersion.parse(installed);
            if (version.isBefore(PgvectorVersion.MINIMUM)) {
                throw new PgvectorEnablementException(
                        "pgvector version " + installed + " < required " + PgvectorVersion.MINIMUM);
            }
            boolean functional;
            try {
                functional = catalog.vectorTypeFunctional();
            } catch (SQLException e) {
                throw new PgvectorEnablementException("Extension verification failed: vector type not functional", e);
            }
            if (!functional) {
                throw new PgvectorEnablementException("Extension verification failed: vector type not functional");
            }
            LOG.infof("pgvector extension enabled: version %s (PostgreSQL %s)", version, catalog.serverVersion());
            return version;
        } catch (SQLException e) {
            throw new PgvectorEnablementException("pgvector enablement failed: " + e.getMessage(), e);
        }
    }
}
