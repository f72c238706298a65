package dev.reembed.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.reembed.schema.PgvectorVersion;

/**
 * The checks of seed 002 with values a real server cannot be made to show here (PostgreSQL 13,
 * pgvector missing from the server, pgvector 0.4, a broken type). The checks that can be arranged
 * on the real server are in {@link PgvectorEnablementDatabaseTest}.
 */
class PgvectorEnablementTest {

    /** A server whose answers the test sets; records what V1 asked it to do. */
    static final class FakeCatalog implements PgvectorEnablement.Catalog {
        int serverVersionNum = 150020;
        String serverVersion = "15.20";
        boolean available = true;
        String installed = null;
        String versionAfterCreate = "0.8.0";
        boolean foreignType = false;
        SQLException createFails = null;
        boolean functional = true;
        final List<String> created = new ArrayList<>();

        @Override public int serverVersionNum() { return serverVersionNum; }
        @Override public String serverVersion() { return serverVersion; }
        @Override public boolean extensionAvailable() { return available; }
        @Override public Optional<String> installedVersion() { return Optional.ofNullable(installed); }
        @Override public boolean foreignVectorTypeExists() { return foreignType; }
        @Override public boolean vectorTypeFunctional() { return functional; }

        @Override
        public void createExtension(Optional<String> schema) throws SQLException {
            if (createFails != null) {
                throw createFails;
            }
            created.add(schema.orElse("<search_path>"));
            installed = versionAfterCreate;
        }
    }

    private final FakeCatalog db = new FakeCatalog();

    private void assertFailsWith(String message) {
        assertThatThrownBy(() -> new PgvectorEnablement(db).enable(Optional.empty()))
                .isInstanceOf(PgvectorEnablementException.class)
                .hasMessage(message);
    }

    @Test
    void createsTheExtensionAndReportsItsVersion() {
        assertThat(new PgvectorEnablement(db).enable(Optional.of("extensions"))).isEqualTo(PgvectorVersion.parse("0.8.0"));
        assertThat(db.created).containsExactly("extensions");
    }

    @Test
    void anInstalledExtensionIsLeftAlone() {
        db.installed = "0.10.0";
        assertThat(new PgvectorEnablement(db).enable(Optional.empty())).isEqualTo(PgvectorVersion.parse("0.10.0"));
        assertThat(db.created).isEmpty();
    }

    @Test
    void postgresBelow14() {
        db.serverVersionNum = 130011;
        db.serverVersion = "13.11";
        assertFailsWith("PostgreSQL 14+ required for pgvector 0.5.0+. Current: 13.11");
    }

    @Test
    void extensionNotAvailableOnTheServer() {
        db.available = false;
        assertFailsWith("pgvector extension not available. Ensure postgresql-15-pgvector is installed");
    }

    @Test
    void versionBelowMinimum() {
        db.installed = "0.4.4";
        assertFailsWith("pgvector version 0.4.4 < required 0.5.0");
    }

    @Test
    void versionComparisonIsNumeric() {
        db.versionAfterCreate = "0.10.0"; // as a string "0.10.0" < "0.5.0", which must not fail
        assertThat(new PgvectorEnablement(db).enable(Optional.empty())).isEqualTo(PgvectorVersion.parse("0.10.0"));
    }

    @Test
    void permissionDenied() {
        db.createFails = new SQLException("permission denied to create extension \"vector\"", "42501");
        assertFailsWith("Insufficient privileges to CREATE EXTENSION");
    }

    @Test
    void foreignVectorType() {
        db.foreignType = true;
        assertFailsWith("Type 'vector' already exists from different source");
        assertThat(db.created).as("nothing is created over a foreign type").isEmpty();
    }

    @Test
    void verificationFailure() {
        db.functional = false;
        assertFailsWith("Extension verification failed: vector type not functional");
    }
}
