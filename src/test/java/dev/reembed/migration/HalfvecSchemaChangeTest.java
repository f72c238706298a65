package dev.reembed.migration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.FakeGeminiProfile;
import dev.reembed.testing.Migrations;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Issue 15 item 3 on a database of its own: gemini-embedding-001 at 3072 d (more than HNSW indexes
 * on vector) against the fake Gemini API, held at version 2. Apply makes halfvec(3072) through
 * db/sql/embedding_change.sql with V3 recorded, a backfill fills it, the rollback restores
 * vector(768), and apply works again.
 */
@QuarkusTest
@TestProfile(HalfvecSchemaChangeTest.Halfvec3072.class)
class HalfvecSchemaChangeTest {

    public static class Halfvec3072 extends FakeGeminiProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("reembed.migration.start-target", "2");
            config.put("reembed.target.model", "gemini-embedding-001");
            config.put("reembed.target.dimensions", "3072");
            return config; // reembed.target.storage stays AUTO: halfvec above 2,000 d
        }
    }

    @Inject
    AgroalDataSource db;

    @Test
    void applyBackfillRollbackApplyAtHalfvec3072() {
        assertThat(TestDb.string(db, "select current_database()")).contains("_scratch_");
        seedVersion2Rows();
        Map<Long, String> before = TestDb.pairs(db, "select id, embedding::text from questions where embedding is not null order by id");

        JsonPath pre = given().get("/api/migration/preflight").then().statusCode(200).extract().jsonPath();
        assertThat(pre.getBoolean("ready")).as(pre.prettify()).isTrue();
        assertThat(pre.getString("checks.find { it.name == 'target-model' }.status")).isEqualTo("PASS");
        assertThat(pre.getString("checks.find { it.name == 'embedding-column' }.detail")).endsWith("moves it to halfvec(3072)");
        assertThat(pre.getString("checks.find { it.name == 'embedding-index' }.status")).isEqualTo("PASS");
        given().get("/api/migration").then().statusCode(200)
                .body("currentVersion", equalTo(Migrations.lastBeforeTheChange()))
                .body("pending.version", hasItem("3"));

        given().post("/api/migration/apply").then().statusCode(200)
                .body("applied", hasItem(startsWith("3 ")))
                .body("currentVersion", equalTo("3"))
                .body("summary.total", equalTo(6))
                .body("summary.needingBackfill", equalTo(6));
        assertHalfvec3072();
        assertThat(TestDb.string(db, "select installed_by || ' ' || success from flyway_schema_history where version = '3'"))
                .isEqualTo(MigrationRepository.V3_MARKED_BY + " true");
        assertThat(TestDb.pairs(db, "select id, embedding::text from questions_embedding_backup order by id")).isEqualTo(before);
        given().get("/api/migration").then().statusCode(200)
                .body("currentVersion", equalTo("3"))
                .body("applied.version", hasItem("3"))
                .body("pending.size()", equalTo(0))
                .body("column.type", equalTo("halfvec(3072)"))
                .body("column.dimensions", equalTo(3072));
        JsonPath after = given().get("/api/migration/preflight").then().statusCode(200).extract().jsonPath();
        assertThat(after.getString("checks.find { it.name == 'embedding-column' }.status")).isEqualTo("PASS");
        assertThat(after.getString("checks.find { it.name == 'embedding-index' }.status")).isEqualTo("PASS");

        // A backfill fills the halfvec column (its ?::vector writes are assigned to halfvec), and searches find rows.
        long run = given().contentType("application/json").body("{\"searchIndex\":\"REBUILD\"}").post("/api/backfills")
                .then().statusCode(202).extract().jsonPath().getLong("id");
        awaitCompleted(run);
        assertThat(TestDb.number(db, "select count(*) from questions where deleted_at is null and embedding is not null"))
                .isEqualTo(6);
        assertHalfvec3072(); // the run dropped the index and built it again with halfvec_cosine_ops
        JsonPath found = given().contentType("application/json")
                .body(Map.of("query", "question 3", "threshold", -1, "limit", 3))
                .post("/api/questions/search").then().statusCode(200).extract().jsonPath();
        assertThat(found.getList("$")).hasSize(3);
        // the verification report checks the column against its halfvec type and opclass
        JsonPath report = given().get("/api/verification?maxP95Ms=600000").then().statusCode(200).extract().jsonPath();
        assertThat(report.getString("checks.find { it.name == 'column' }.detail")).isEqualTo("questions.embedding is halfvec(3072)");
        assertThat(report.getString("checks.find { it.name == 'index' }.status")).isEqualTo("PASS");
        assertThat(report.getString("checks.find { it.name == 'norms' }.status")).isEqualTo("PASS");
        assertThat(report.getString("checks.find { it.name == 'coverage' }.status")).isEqualTo("PASS");

        given().post("/api/migration/rollback").then().statusCode(200)
                .body("column.dimensions", equalTo(768))
                .body("column.type", equalTo("vector(768)"))
                .body("restoredEmbeddings", equalTo(5));
        assertThat(TestDb.pairs(db, "select id, embedding::text from questions where embedding is not null order by id")).isEqualTo(before);
        assertThat(columnType()).isEqualTo("vector(768)");
        assertThat(index()).isEqualTo("hnsw vector_cosine_ops true");
        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where version = '3'")).isZero();
        given().get("/api/migration").then().statusCode(200).body("pending.version", hasItem("3"));
        given().post("/api/migration/rollback").then().statusCode(409).body("detail", startsWith("Nothing to roll back"));

        given().post("/api/migration/apply").then().statusCode(200)
                .body("applied", hasItem(startsWith("3 ")))
                .body("currentVersion", equalTo("3"));
        assertHalfvec3072();
        assertThat(TestDb.pairs(db, "select id, embedding::text from questions_embedding_backup order by id")).isEqualTo(before);
        given().post("/api/migration/apply").then().statusCode(200).body("applied.size()", equalTo(0));
    }

    private void assertHalfvec3072() {
        assertThat(columnType()).isEqualTo("halfvec(3072)");
        assertThat(index()).isEqualTo("hnsw halfvec_cosine_ops true");
        assertThat(TestDb.string(db, "select pg_get_function_identity_arguments('match_questions_with_solutions'::regproc)"))
                .isEqualTo("query_embedding vector, match_threshold double precision, match_count integer");
        assertThat(TestDb.number(db, "select count(*) from match_questions_with_solutions(null::vector(3072), 0.5, 1)")).isZero();
        assertThatThrownBy(() -> TestDb.number(db, "select count(*) from match_questions_with_solutions('"
                + TestDb.vectorLiteral(768, 0, 0) + "'::vector, 0.5, 1)"))
                .hasRootCauseMessage("ERROR: expected 3072 dimensions, not 768");
    }

    private String columnType() {
        return TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute "
                + "where attrelid = 'questions'::regclass and attname = 'embedding'");
    }

    private String index() {
        return TestDb.string(db, """
                select am.amname || ' ' || opc.opcname || ' ' || i.indisvalid
                from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
                join pg_opclass opc on opc.oid = i.indclass[0] where c.relname = 'idx_questions_embedding'""");
    }

    private static void awaitCompleted(long run) {
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        String status;
        do {
            status = given().get("/api/backfills/" + run).then().statusCode(200).extract().jsonPath().getString("status");
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("run " + run + " is " + status + " after 60 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        } while (!"COMPLETED".equals(status));
    }

    /** Seven questions at version 2: five with a 768-d vector (one of them soft-deleted), two without. */
    private void seedVersion2Rows() {
        TestDb.resetQuestions(db);
        for (int i = 0; i < 7; i++) {
            String vector = i < 5 ? "'" + TestDb.vectorLiteral(768, i, 0.25) + "'::vector" : "null";
            String deleted = i == 4 ? "now()" : "null";
            String model = i < 5 ? "'text-embedding-004'" : "null";
            TestDb.exec(db, "insert into questions (title, content, embedding, embedding_model, deleted_at) values ('t" + i
                    + "', 'question " + i + "', " + vector + ", " + model + ", " + deleted + ")");
            TestDb.exec(db, "insert into solutions (question_id, content) select max(id), 'solution " + i + "' from questions");
        }
    }

}
