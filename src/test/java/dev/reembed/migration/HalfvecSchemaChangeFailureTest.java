package dev.reembed.migration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.Migrations;
import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The halfvec change failing at its index (an m pgvector refuses, given through Flyway's placeholder,
 * which the change renders with too): apply answers as for a failed V3, and nothing changed.
 */
@QuarkusTest
@TestProfile(HalfvecSchemaChangeFailureTest.IndexCreationFails.class)
class HalfvecSchemaChangeFailureTest {

    public static class IndexCreationFails implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.migration.start-target", "2", "quarkus.flyway.placeholders.hnsw_m", "1",
                    "reembed.target.model", "gemini-embedding-001", "reembed.target.dimensions", "3072");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
        }
    }

    @Inject
    AgroalDataSource db;

    @Test
    void aFailedChangeRollsEverythingBack() {
        TestDb.resetQuestions(db);
        for (int i = 0; i < 3; i++) {
            TestDb.exec(db, "insert into questions (content, embedding, embedding_model) values ('q" + i + "', '"
                    + TestDb.vectorLiteral(768, i, 0.1) + "', 'text-embedding-004')");
        }
        String before = TestDb.string(db, "select string_agg(id || ':' || embedding::text || ':' || embedding_model, '|' order by id) from questions");

        given().post("/api/migration/apply").then().statusCode(500)
                .contentType("application/problem+json")
                .body("title", equalTo("Schema change failed"))
                .body("detail", containsString("rolled back; the schema stays at version " + Migrations.lastBeforeTheChange()))
                .body("detail", containsString("\"m\""))
                .body("currentVersion", equalTo(Migrations.lastBeforeTheChange()));

        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where version = '3'")).isZero();
        assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding'"))
                .isEqualTo("vector(768)");
        assertThat(TestDb.string(db, "select string_agg(id || ':' || embedding::text || ':' || embedding_model, '|' order by id) from questions"))
                .isEqualTo(before);
        assertThat(TestDb.string(db, "select (to_regclass('questions_embedding_backup') is null)::text")).isEqualTo("true");
        assertThat(TestDb.number(db, "select count(*) from match_questions_with_solutions(null::vector(768), 0.5, 1)")).isZero();
        assertThat(TestDb.number(db, "select count(*) from pg_locks where locktype = 'advisory' "
                + "and database = (select oid from pg_database where datname = current_database())")).as("no lock left behind").isZero();
    }
}
