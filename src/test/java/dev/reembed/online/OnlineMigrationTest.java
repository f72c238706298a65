package dev.reembed.online;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.testing.BackfillState;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Issue 15 in process: gemini-embedding-001 @1536 (vector) → @3072 (halfvec) with search answering
 * at every step, a swap back and a second cutover, then finalize. The refusals run first (they must
 * leave the schema as it was); the move runs last, as it leaves the store at the target for good.
 */
@QuarkusTest
@TestProfile(OnlineMigrationProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnlineMigrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @Test
    @Order(1)
    void refusalsNameWhyAndChangeNothing() {
        BackfillState.clear(db, fake);
        fake.wordVectors(true);
        seedAndEmbed(20);
        String before = layout();
        given().get("/api/migration/online").then().statusCode(404).contentType("application/problem+json");

        start(Map.of("model", "no-such-model", "dimensions", 3072)).then().statusCode(400).body("detail", containsString("Unknown"));
        start(Map.of("model", "gemini-embedding-001", "dimensions", 5000)).then().statusCode(400)
                .body("detail", containsString("out of range"));
        start(Map.of("model", "gemini-embedding-001", "dimensions", 3072, "storage", "VECTOR")).then().statusCode(400)
                .body("detail", containsString("halfvec"));
        start(Map.of("model", "gemini-embedding-001", "dimensions", 3072, "storage", "FLOAT8")).then().statusCode(400)
                .body("detail", containsString("VECTOR or HALFVEC"));
        start(Map.of("model", "gemini-embedding-001", "dimensions", 1536)).then().statusCode(400)
                .body("detail", containsString("nothing to move"));
        given().post("/api/migration/online/cutover").then().statusCode(409).body("detail", containsString("No online migration"));
        given().post("/api/migration/online/finalize").then().statusCode(409);
        given().get("/api/verification?column=next").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("no shadow column"));
        given().get("/api/verification?column=prev").then().statusCode(400).body("detail", containsString("'next'"));
        assertThat(layout()).isEqualTo(before);

        // One open: a second is refused, so are cutover and finalize before READY; the rollback drops the shadow.
        fake.holdNext(); // the shadow's first batch waits: the migration stays BACKFILLING
        start(Map.of("model", "gemini-embedding-001", "dimensions", 3072)).then().statusCode(202)
                .body("phase", equalTo("PREPARED")).body("target.type", equalTo("HALFVEC"))
                .body("source.model", equalTo("gemini-embedding-001")).body("source.dimensions", equalTo(1536));
        assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute "
                + "where attrelid = 'questions'::regclass and attname = 'embedding_next'")).isEqualTo("halfvec(3072)");
        start(Map.of("model", "gemini-embedding-001", "dimensions", 3072)).then().statusCode(409).body("migrationId", org.hamcrest.Matchers.notNullValue());
        given().post("/api/migration/online/cutover").then().statusCode(409).body("detail", containsString("READY"));
        JsonPath early = given().get("/api/verification?column=next").then().statusCode(200).extract().jsonPath();
        assertThat(early.getString("status")).as("nothing is in the shadow yet").isEqualTo("FAIL");
        assertThat(early.getString("column")).isEqualTo("embedding_next");
        assertThat(check(early, "coverage").get("status")).isEqualTo("FAIL");
        given().post("/api/migration/online/finalize").then().statusCode(409).body("detail", containsString("after the cutover"));
        given().contentType("application/json").body(Map.of()).post("/api/backfills").then().statusCode(409);
        given().post("/api/migration/apply").then().statusCode(409);
        given().post("/api/migration/online/rollback").then().statusCode(200).body("phase", equalTo("ROLLED_BACK"));
        fake.reset();
        fake.wordVectors(true);
        assertThat(layout()).isEqualTo(before);
        given().post("/api/migration/online/rollback").then().statusCode(409).body("detail", containsString("ROLLED_BACK"));
        search("rotate a PDF page").then().statusCode(200).header("Reembed-Search-Column", "embedding");
    }

    @Test
    @Order(2)
    void theWholeMoveWithSearchAnsweringAtEveryStep() {
        BackfillState.clear(db, fake);
        fake.wordVectors(true);
        seedAndEmbed(200);
        assertThat(hits("rotate a PDF page")).isNotEmpty();

        start(Map.of("model", "gemini-embedding-001", "dimensions", 3072, "batchSize", 20)).then().statusCode(202);
        // rows created and edited meanwhile reach the shadow column too
        long created = given().contentType("application/json")
                .body(Map.of("title", "How do I rotate a PDF page by 90 degrees?", "content", "New question: rotate a PDF page"))
                .post("/api/questions").then().statusCode(201).extract().jsonPath().getLong("id");
        TestDb.exec(db, "update questions set content = content || ' (edited)' where id = 7");
        assertThat(hits("rotate a PDF page")).as("the live column answers during the backfill").isNotEmpty();

        JsonPath ready = awaitPhase("READY");
        assertThat(ready.getString("index.state")).isEqualTo("BUILT");
        assertThat(ready.getLong("coverage.done")).isEqualTo(ready.getLong("coverage.total")).isEqualTo(201);
        assertThat(TestDb.number(db, "select count(*) from questions where embedding_next_content_hash is distinct from content_hash"))
                .isZero();
        assertThat(hits("rotate a PDF page")).isNotEmpty();

        // READY: the shadow column verified before anyone switches (the latency bound is not this test's point)
        JsonPath next = given().get("/api/verification?column=next&maxP95Ms=600000").then().statusCode(200).extract().jsonPath();
        assertThat(next.getString("column")).isEqualTo("embedding_next");
        assertThat(next.getInt("dimensions")).isEqualTo(3072);
        assertThat(check(next, "column").get("detail")).isEqualTo("questions.embedding_next is halfvec(3072)");
        assertThat((String) check(next, "index").get("detail")).contains("hnsw halfvec_cosine_ops, valid");
        assertThat(check(next, "function").get("detail")).isEqualTo("reembed_match_next takes vector(3072)");
        assertThat(((Number) check(next, "coverage").get("value")).doubleValue()).isEqualTo(100.0);
        assertThat(next.getString("status")).as(next.prettify()).isEqualTo("PASS");
        JsonPath live = given().get("/api/verification?maxP95Ms=600000").then().statusCode(200).extract().jsonPath();
        assertThat(live.getString("column")).isEqualTo("embedding");
        assertThat(check(live, "column").get("detail")).isEqualTo("questions.embedding is vector(1536)");

        JsonPath cut = given().post("/api/migration/online/cutover").then().statusCode(200).extract().jsonPath();
        assertThat(cut.getString("phase")).isEqualTo("CUT_OVER");
        assertThat(cut.getInt("cutover.lockMs")).isBetween(0, 1000);
        assertThat(cut.getString("liveColumn")).isEqualTo("target");
        assertThat(columnType("embedding")).isEqualTo("halfvec(3072)");
        assertThat(columnType("embedding_prev")).isEqualTo("vector(1536)");
        assertThat(indexOpclass("idx_questions_embedding")).isEqualTo("halfvec_cosine_ops");
        List<Long> after = hits("rotate a PDF page");
        assertThat(after).as("the target answers: the query is embedded at 3072").contains(created);
        assertThat(lastQueryDimensions()).isEqualTo(3072);
        // edited after the cutover: the migration keeps the live (target) column current itself
        TestDb.exec(db, "update questions set content = content || ' (edited again)' where id = 9");
        awaitRow("select embedding_content_hash = content_hash and vector_dims(embedding) = 3072 from questions where id = 9");

        JsonPath back = given().post("/api/migration/online/rollback").then().statusCode(200).extract().jsonPath();
        assertThat(back.getString("phase")).isEqualTo("READY");
        assertThat(back.getBoolean("autoCutover")).isFalse();
        assertThat(columnType("embedding")).isEqualTo("vector(1536)");
        assertThat(columnType("embedding_next")).isEqualTo("halfvec(3072)");
        assertThat(hits("rotate a PDF page")).isNotEmpty();
        assertThat(lastQueryDimensions()).isEqualTo(1536);

        given().post("/api/migration/online/cutover").then().statusCode(200).body("phase", equalTo("CUT_OVER"));
        JsonPath done = given().post("/api/migration/online/finalize").then().statusCode(200).extract().jsonPath();
        assertThat(done.getString("phase")).isEqualTo("FINALIZED");
        assertThat(done.getList("steps.phase", String.class)).containsSubsequence("PREPARED", "BACKFILLING", "INDEXING", "READY",
                "CUT_OVER", "READY", "CUT_OVER", "FINALIZED");
        assertThat(columnType("embedding_prev")).isNull();
        assertThat(TestDb.number(db, "select count(*) from pg_class where relname = 'idx_questions_embedding_prev'")).isZero();
        assertThat(hits("rotate a PDF page")).as("after finalize the service searches the new column").contains(created);
        given().post("/api/migration/online/rollback").then().statusCode(409).body("detail", containsString("FINALIZED"));
    }

    @Test
    @Order(3)
    void autoCutoverSwitchesOnlyOnceTheShadowPassesVerification() {
        // The store is at 3072 halfvec now (test 2); back to 1536 vector, switched by the driver.
        fake.wordVectors(true);
        // One shadow vector comes out at twice unit length: the norms check fails and autoCutover must hold.
        TestDb.exec(db, """
                create or replace function test_double_one_shadow_vector() returns trigger language plpgsql as $$
                begin
                    if to_jsonb(new) ? 'embedding_next' and new.title like '%(#5)' then
                        if new.embedding_next is not null then
                            new.embedding_next := new.embedding_next + new.embedding_next;
                        end if;
                    end if;
                    return new;
                end $$""");
        TestDb.exec(db, "create trigger test_double_one_shadow_vector before update on questions for each row "
                + "execute function test_double_one_shadow_vector()");
        try {
            start(Map.of("model", "gemini-embedding-001", "dimensions", 1536, "autoCutover", true, "batchSize", 50)).then()
                    .statusCode(202).body("target.type", equalTo("VECTOR")).body("autoCutover", equalTo(true));
            JsonPath held = await(() -> given().get("/api/migration/online").then().statusCode(200).extract().jsonPath(),
                    m -> m.getString("lastError") != null && m.getString("lastError").contains("autoCutover holds"));
            assertThat(held.getString("phase")).isEqualTo("READY");
            assertThat(held.getString("lastError")).contains("norms");
            assertThat(columnType("embedding")).as("nothing switched").isEqualTo("halfvec(3072)");
        } finally {
            TestDb.exec(db, "drop trigger if exists test_double_one_shadow_vector on questions");
        }
        // The operator's fix: that row embedded again; the run re-opens, verification passes, the driver cuts over.
        TestDb.exec(db, "update questions set embedding_next_content_hash = null where title like '%(#5)'");
        JsonPath cut = awaitPhase("CUT_OVER");
        assertThat(cut.getBoolean("autoCutover")).isTrue();
        assertThat(columnType("embedding")).isEqualTo("vector(1536)");
        assertThat(TestDb.number(db, "select count(*) from questions where abs(vector_norm(embedding) - 1) > 0.001")).isZero();
        assertThat(hits("rotate a PDF page")).isNotEmpty();
        assertThat(lastQueryDimensions()).isEqualTo(1536);
        given().post("/api/migration/online/finalize").then().statusCode(200).body("phase", equalTo("FINALIZED"));
    }

    // --- helpers -------------------------------------------------------------------------------

    /** One check of a verification report, by name. */
    private static Map<String, Object> check(JsonPath report, String name) {
        Map<String, Object> check = report.getMap("checks.find { it.name == '" + name + "' }");
        assertThat(check).as("check " + name + " in " + report.prettify()).isNotNull();
        return check;
    }

    private void seedAndEmbed(int n) {
        TestDb.exec(db, "insert into questions (title, content) select 'How do I rotate a PDF page? (#' || g || ')', "
                + "'Question ' || g || ': I am trying to rotate a PDF page but it keeps failing ' || md5(g::text) "
                + "from generate_series(1, " + n + ") g");
        long run = given().contentType("application/json").body(Map.of()).post("/api/backfills").then().statusCode(202)
                .extract().jsonPath().getLong("id");
        await(() -> given().get("/api/backfills/" + run).then().extract().jsonPath(), r -> "COMPLETED".equals(r.getString("status")));
    }

    private static Response start(Map<String, Object> body) {
        return given().contentType("application/json").body(body).post("/api/migration/online");
    }

    private static Response search(String query) {
        return given().contentType("application/json").body(Map.of("query", query, "threshold", 0.1)).post("/api/questions/search");
    }

    private static List<Long> hits(String query) {
        return search(query).then().statusCode(200).extract().jsonPath().getList("id", Long.class);
    }

    private int lastQueryDimensions() {
        var requests = fake.requests();
        return requests.get(requests.size() - 1).path("requests").path(0).path("outputDimensionality").asInt();
    }

    private void awaitRow(String sql) {
        await(() -> JsonPath.from("{\"ok\": " + "t".equals(TestDb.string(db, sql)) + "}"), j -> j.getBoolean("ok"));
    }

    private JsonPath awaitPhase(String phase) {
        return await(() -> given().get("/api/migration/online").then().statusCode(200).extract().jsonPath(),
                m -> phase.equals(m.getString("phase")));
    }

    private static JsonPath await(java.util.function.Supplier<JsonPath> read, Predicate<JsonPath> condition) {
        Instant end = Instant.now().plus(PATIENCE);
        JsonPath last = read.get();
        while (!condition.test(last)) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("not reached in " + PATIENCE + ": " + last.prettify());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            last = read.get();
        }
        return last;
    }

    private String columnType(String column) {
        return TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass "
                + "and attname = ? and not attisdropped", column);
    }

    private String indexOpclass(String index) {
        return TestDb.string(db, "select opc.opcname from pg_class ic join pg_index i on i.indexrelid = ic.oid "
                + "join pg_opclass opc on opc.oid = i.indclass[0] where ic.relname = ?", index);
    }

    /** Columns, indexes and functions of the store: what a refused request must leave as it was. */
    private String layout() {
        return TestDb.string(db, """
                select string_agg(x, ',' order by x) from (
                  select attname || ':' || format_type(atttypid, atttypmod) as x from pg_attribute
                  where attrelid = 'questions'::regclass and attnum > 0 and not attisdropped
                  union all select relname::text from pg_class where relname like 'idx_questions%'
                  union all select proname || ':' || pg_get_function_arguments(oid) from pg_proc
                  where proname in ('match_questions_with_solutions', 'reembed_match_next')) t""");
    }
}
