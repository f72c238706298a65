package dev.reembed.migration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A production database whose schema was made outside Flyway (here by plain psql from the
 * version-2 SQL, as Supabase migrations would) is adopted at version 2 by baseline, keeps its
 * rows, and then takes the schema change.
 */
@QuarkusTest
@TestProfile(BaselineAdoptionTest.MadeByPsql.class)
class BaselineAdoptionTest {

    public static class MadeByPsql implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.migration.start-target", "2");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class, Map.of("prepare", LoadV2WithPsql.class.getName())));
        }
    }

    /** Runs V2__Questions_schema.sql through psql (or JDBC where psql is absent), then adds rows. */
    public static class LoadV2WithPsql implements Consumer<Connection> {
        @Override
        public void accept(Connection c) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("db/migration/V2__Questions_schema.sql")) {
                String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${source_dimensions}", "768");
                String url = c.getMetaData().getURL(); // jdbc:postgresql://host:port/db?...
                var m = java.util.regex.Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/([^?]+)").matcher(url);
                boolean viaPsql = m.find() && new ProcessBuilder("psql", "--version").start().waitFor() == 0;
                if (viaPsql) {
                    Path file = Files.createTempFile("v2", ".sql");
                    Files.writeString(file, sql);
                    ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", m.group(1),
                            "-p", m.group(2) == null ? "5432" : m.group(2), "-U", c.getMetaData().getUserName(), "-d", m.group(3),
                            "-f", file.toString()).redirectErrorStream(true);
                    String pw = System.getenv("QUARKUS_DATASOURCE_PASSWORD");
                    if (pw != null) {
                        pb.environment().put("PGPASSWORD", pw);
                    }
                    Process p = pb.start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (p.waitFor() != 0) {
                        throw new IllegalStateException("psql failed: " + out);
                    }
                    Files.delete(file);
                } else {
                    try (Statement st = c.createStatement()) {
                        st.execute(sql);
                    }
                }
                try (Statement st = c.createStatement()) {
                    st.execute("insert into questions (title, content, embedding, embedding_model) values "
                            + "('legacy', 'a question from before reembed', '" + TestDb.vectorLiteral(768, 3, 0.2) + "', 'text-embedding-004'),"
                            + "(null, 'another one, never embedded', null, null)");
                }
            } catch (IOException | SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Inject
    AgroalDataSource db;

    @Test
    void adoptedAtVersion2ThenApplied() {
        assertThat(TestDb.string(db, "select type || ':' || version from flyway_schema_history order by installed_rank limit 1"))
                .isEqualTo("BASELINE:2");
        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where version in ('1', '2') and type <> 'BASELINE'"))
                .as("V1 and V2 never ran").isZero();
        assertThat(TestDb.string(db, "select max(version) from flyway_schema_history")).as("2.x came after the baseline").isEqualTo("2.5");
        assertThat(TestDb.number(db, "select count(*) from questions")).isEqualTo(2);

        given().get("/api/migration/preflight").then().statusCode(200).body("ready", equalTo(true));
        given().post("/api/migration/apply").then().statusCode(200)
                .body("currentVersion", equalTo("3"))
                .body("summary.total", equalTo(2))
                .body("summary.needingBackfill", equalTo(2));
        assertThat(TestDb.string(db, "select string_agg(b.model, ',') from questions_embedding_backup b join questions q using (id) where q.title = 'legacy'"))
                .isEqualTo("text-embedding-004");
        assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding'"))
                .isEqualTo("vector(1536)");
    }
}
