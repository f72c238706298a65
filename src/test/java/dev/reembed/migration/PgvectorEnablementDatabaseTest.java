package dev.reembed.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.schema.PgvectorVersion;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;

/** V1 against the real server: idempotence, and the failures that can really be arranged. */
@QuarkusTest
class PgvectorEnablementDatabaseTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void flywayRanV1AndRunningItAgainChangesNothing() throws SQLException {
        assertThat(TestDb.string(dataSource,
                "select success::text from flyway_schema_history where version = '1' and description = 'Enable pgvector'"))
                .isEqualTo("true");
        String before = TestDb.string(dataSource, "select extversion || ':' || oid from pg_extension where extname = 'vector'");
        try (Connection c = dataSource.getConnection()) {
            PgvectorVersion again = new PgvectorEnablement(new JdbcPgvectorCatalog(c)).enable(Optional.empty());
            assertThat(again).isGreaterThanOrEqualTo(PgvectorVersion.MINIMUM);
        }
        assertThat(TestDb.string(dataSource, "select extversion || ':' || oid from pg_extension where extname = 'vector'"))
                .as("same extension, same version").isEqualTo(before);
    }

    @Test
    void aRoleThatMayNotCreateTheExtensionGetsTheSeedMessage() {
        assumeFalse("true".equals(TestDb.string(dataSource, "select rolsuper::text from pg_roles where rolname = current_user")),
                "a superuser may create any extension");
        TestDb.withScratchDatabase(c -> assertThatThrownBy(
                () -> new PgvectorEnablement(new JdbcPgvectorCatalog(c)).enable(Optional.empty()))
                .isInstanceOf(PgvectorEnablementException.class)
                .hasMessage("Insufficient privileges to CREATE EXTENSION"));
    }

    @Test
    void aVectorTypeFromElsewhereIsRefused() {
        TestDb.withScratchDatabase(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("create type vector as (x int)");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            assertThatThrownBy(() -> new PgvectorEnablement(new JdbcPgvectorCatalog(c)).enable(Optional.empty()))
                    .isInstanceOf(PgvectorEnablementException.class)
                    .hasMessage("Type 'vector' already exists from different source");
        });
    }

    @Test
    void theRealServerPassesTheFunctionalChecks() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            JdbcPgvectorCatalog catalog = new JdbcPgvectorCatalog(c);
            assertThat(catalog.extensionAvailable()).isTrue();
            assertThat(catalog.foreignVectorTypeExists()).isFalse();
            assertThat(catalog.vectorTypeFunctional()).isTrue();
            assertThat(catalog.serverVersionNum()).isGreaterThanOrEqualTo(140000);
        }
    }
}
