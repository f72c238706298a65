package dev.reembed.migration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A failure in the middle of V3 — the HNSW index creation, given an m that pgvector refuses —
 * leaves the schema at version 2 (2.2: the 2.x migrations applied at start) with its data intact, and apply says so clearly.
 */
@QuarkusTest
@TestProfile(SchemaChangeFailureTest.IndexCreationFails.class)
class SchemaChangeFailureTest {

    public static class IndexCreationFails implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Straight to the placeholder: reembed.migration.hnsw.m itself would be refused at start-up.
            return Map.of("reembed.migration.start-target", "2", "quarkus.flyway.placeholders.hnsw_m", "1");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
        }
    }

    @Inject
    AgroalDataSource db;

    @Test
    void aFailedIndexCreationRollsEverythingBack() {
        TestDb.resetQuestions(db);
        for (int i = 0; i < 3; i++) {
            TestDb.exec(db, "insert into questions (content, embedding, embedding_model) values ('q" + i + "', '"
                    + TestDb.vectorLiteral(768, i, 0.1) + "', 'text-embedding-004')");
        }
        String before = TestDb.string(db, "select string_agg(id || ':' || embedding::text || ':' || embedding_model, '|' order by id) from questions");

        given().post("/api/migration/apply").then().statusCode(500)
                .contentType("application/problem+json")
                .body("title", equalTo("Schema change failed"))
                .body("detail", containsString("rolled back; the schema stays at version 2.5"))
                .body("detail", containsString("\"m\""))
                .body("currentVersion", equalTo("2.5"));

        assertThat(TestDb.string(db, "select max(version) from flyway_schema_history where success")).isEqualTo("2.5");
        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where not success")).isZero();
        assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding'"))
                .isEqualTo("vector(768)");
        assertThat(TestDb.string(db, "select string_agg(id || ':' || embedding::text || ':' || embedding_model, '|' order by id) from questions"))
                .as("every vector and model as before").isEqualTo(before);
        assertThat(TestDb.string(db, "select (to_regclass('questions_embedding_backup') is null)::text")).isEqualTo("true");
        assertThat(TestDb.string(db, "select (to_regclass('idx_questions_embedding') is not null)::text")).isEqualTo("true");
        assertThat(TestDb.number(db, "select count(*) from match_questions_with_solutions(null::vector(768), 0.5, 1)")).isZero();
        given().get("/api/migration").then().statusCode(200).body("currentVersion", equalTo("2.5"));
    }
}
