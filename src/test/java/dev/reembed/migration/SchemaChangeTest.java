package dev.reembed.migration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

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
import io.restassured.path.json.JsonPath;

/**
 * Issue 4's acceptance on a database of its own, held at version 2 the way production starts
 * ({@code reembed.migration.start-target=2}): pre-flight, apply, rollback, apply again.
 */
@QuarkusTest
@TestProfile(SchemaChangeTest.HeldAtVersion2.class)
class SchemaChangeTest {

    public static class HeldAtVersion2 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.migration.start-target", "2");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
        }
    }

    @Inject
    AgroalDataSource db;

    @Test
    void preflightApplyRollbackApply() {
        assertThat(TestDb.string(db, "select current_database()")).contains("_scratch_");
        seedVersion2Rows();
        Map<Long, String> before = vectorsById();
        String updatedAtBefore = TestDb.string(db, "select string_agg(updated_at::text, ',' order by id) from questions");

        // Pre-flight: counts exclude the soft-deleted row; the column is still the old one.
        JsonPath pre = given().get("/api/migration/preflight").then().statusCode(200).extract().jsonPath();
        assertThat(pre.getBoolean("ready")).isTrue();
        assertThat(pre.getLong("questions.total")).isEqualTo(6);
        assertThat(pre.getLong("questions.withEmbedding")).isEqualTo(4);
        assertThat(pre.getLong("questions.withoutEmbedding")).isEqualTo(2);
        assertThat(pre.getString("column.type")).isEqualTo("vector(768)");
        assertThat(pre.getInt("column.dimensions")).isEqualTo(768);
        assertThat(pre.getBoolean("index.present")).isTrue();
        assertThat(pre.getBoolean("index.valid")).isTrue();
        assertThat(pre.getString("index.method")).isEqualTo("hnsw");
        assertThat(pre.getList("checks.name")).contains("questions-table", "embedding-column", "embedding-index",
                "match-function", "postgresql-version", "pgvector-version", "target-model", "backup-space", "backfill");
        assertThat(pre.getList("checks.findAll { it.status == 'FAIL' }")).isEmpty();
        assertThat(pre.getList("pending")).anySatisfy(p -> assertThat(p.toString()).startsWith("3 "));
        given().get("/api/migration").then().statusCode(200)
                .body("currentVersion", equalTo(Migrations.lastBeforeTheChange())) // 2 and its 2.x migrations; V3 held
                .body("pending.version", hasItem("3"))
                .body("column.dimensions", equalTo(768));

        // Apply.
        given().post("/api/migration/apply").then().statusCode(200)
                .body("applied", hasItem(startsWith("3 ")))
                .body("currentVersion", equalTo("3"))
                .body("summary.total", equalTo(6))
                .body("summary.withEmbedding", equalTo(0))
                .body("summary.needingBackfill", equalTo(6));
        assertChangedTo(1536);
        assertThat(TestDb.string(db, "select string_agg(id::text, ',' order by id) from questions_embedding_backup"))
                .as("the backup holds exactly the rows that had vectors, soft-deleted included")
                .isEqualTo(String.join(",", before.keySet().stream().map(String::valueOf).toList()));
        assertThat(backupById()).isEqualTo(before);
        assertThat(TestDb.string(db, "select string_agg(distinct model, ',') from questions_embedding_backup"))
                .isEqualTo("text-embedding-004");
        assertThat(TestDb.number(db, "select count(*) from questions where embedding is not null or embedding_model is not null"))
                .isZero();
        assertThat(TestDb.string(db, "select string_agg(updated_at::text, ',' order by id) from questions"))
                .as("the schema change is bookkeeping, not an edit of the questions").isEqualTo(updatedAtBefore);
        given().get("/api/migration").then().statusCode(200)
                .body("currentVersion", equalTo("3"))
                .body("pending.size()", equalTo(0))
                .body("backup.table", equalTo("questions_embedding_backup"))
                .body("backup.rows", equalTo(5));

        // Rollback: every old vector back, old index and function.
        given().post("/api/migration/rollback").then().statusCode(200)
                .body("column.dimensions", equalTo(768))
                .body("restoredEmbeddings", equalTo(5))
                .body("questionsWithoutEmbedding", equalTo(2));
        assertThat(vectorsById()).isEqualTo(before);
        assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding'"))
                .isEqualTo("vector(768)");
        assertThat(TestDb.string(db, "select string_agg(distinct embedding_model, ',') from questions")).isEqualTo("text-embedding-004");
        assertIndexValidHnswCosine();
        assertFunctionTakes(768, 1536);
        given().get("/api/migration").then().statusCode(200)
                .body("currentVersion", equalTo(Migrations.lastBeforeTheChange())) // the 2.x migrations stay; only V3 is undone
                .body("pending.version", hasItem("3"));
        given().post("/api/migration/rollback").then().statusCode(409)
                .contentType("application/problem+json")
                .body("detail", startsWith("Nothing to roll back"));

        // Apply again works, and backs up the same vectors again.
        given().post("/api/migration/apply").then().statusCode(200).body("currentVersion", equalTo("3"));
        assertChangedTo(1536);
        assertThat(backupById()).isEqualTo(before);
        given().post("/api/migration/apply").then().statusCode(200).body("applied.size()", equalTo(0));
    }

    @Test
    void applyIsRefusedWhileABackfillRuns() {
        // A RUNNING row in the backfill's run table (V2.1; made here when this database is still at 2).
        boolean made = "true".equals(TestDb.string(db, "select (to_regclass('backfill_runs') is null)::text"));
        if (made) {
            TestDb.exec(db, "create table backfill_runs (id bigint primary key, status text not null, model text, "
                    + "dimensions int, scope text, batch_size int, concurrency int)");
        }
        TestDb.exec(db, "insert into backfill_runs (id, status, model, dimensions, scope, batch_size, concurrency) "
                + "overriding system value values (41, 'RUNNING', 'gemini-embedding-001', 1536, 'MISSING', 100, 2)");
        try {
            given().get("/api/migration/preflight").then().statusCode(200)
                    .body("ready", equalTo(false))
                    .body("checks.find { it.name == 'backfill' }.status", equalTo("FAIL"));
            given().post("/api/migration/apply").then().statusCode(409)
                    .contentType("application/problem+json")
                    .body("activeRunId", equalTo(41))
                    .body("detail", startsWith("Pre-flight failed: backfill: Backfill run 41 is active"));
            given().post("/api/migration/rollback").then().statusCode(409)
                    .contentType("application/problem+json")
                    .body("activeRunId", equalTo(41));
        } finally {
            TestDb.exec(db, made ? "drop table backfill_runs" : "delete from backfill_runs where id = 41");
        }
    }

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

    private void assertChangedTo(int dims) {
        assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass and attname = 'embedding'"))
                .isEqualTo("vector(" + dims + ")");
        assertIndexValidHnswCosine();
        assertFunctionTakes(dims, 768);
    }

    private void assertIndexValidHnswCosine() {
        assertThat(TestDb.string(db, """
                select am.amname || ' ' || opc.opcname || ' ' || i.indisvalid
                from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
                join pg_opclass opc on opc.oid = i.indclass[0] where c.relname = 'idx_questions_embedding'"""))
                .isEqualTo("hnsw vector_cosine_ops true");
    }

    private void assertFunctionTakes(int dims, int otherDims) {
        assertThat(TestDb.number(db, "select count(*) from match_questions_with_solutions(null::vector(" + dims + "), 0.5, 1)")).isZero();
        assertThatThrownBy(() -> TestDb.number(db, "select count(*) from match_questions_with_solutions('"
                + TestDb.vectorLiteral(otherDims, 0, 0) + "'::vector, 0.5, 1)"))
                .hasRootCauseMessage("ERROR: expected " + dims + " dimensions, not " + otherDims);
    }

    private Map<Long, String> vectorsById() {
        return TestDb.pairs(db, "select id, embedding::text from questions where embedding is not null order by id");
    }

    private Map<Long, String> backupById() {
        return TestDb.pairs(db, "select id, embedding::text from questions_embedding_backup order by id");
    }

}
