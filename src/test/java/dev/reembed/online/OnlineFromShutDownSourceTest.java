package dev.reembed.online;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.testing.BackfillState;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Issue 15 item 2: the store still holds text-embedding-004 vectors (768 d, V3 pending), a model
 * Google shut down: queries cannot be embedded with it any more. Moved online, search answers from
 * the shadow column as it fills (and says so), then from the new column; Flyway counts V3 as
 * applied after the cutover, and pending again after a swap back.
 */
@QuarkusTest
@TestProfile(ShutDownSourceProfile.class)
class OnlineFromShutDownSourceTest {

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @Test
    void searchReadsTheShadowWhileTheSourceCannotBeServed() {
        BackfillState.cancelActive();
        fake.reset();
        fake.wordVectors(true);
        TestDb.exec(db, "truncate table backfill_runs, backfill_items, backfill_failures, solutions, questions restart identity cascade");
        TestDb.exec(db, "insert into questions (title, content, embedding, embedding_model) select 'How do I rotate a PDF page? (#' || g || ')', "
                + "'Question ' || g || ': rotate a PDF page ' || md5(g::text), '" + TestDb.vectorLiteral(768, 3, 0.2)
                + "', 'text-embedding-004' from generate_series(1, 120) g");
        assertThat(columnType("embedding")).isEqualTo("vector(768)");

        given().contentType("application/json").body(Map.of("query", "rotate a PDF page")).post("/api/questions/search")
                .then().statusCode(409); // no online migration yet: the service embeds at 1536, the column is 768

        fake.holdNext(); // the shadow's first batch waits: the search below sees an empty shadow
        given().contentType("application/json").body(Map.of("model", "gemini-embedding-001", "dimensions", 1536))
                .post("/api/migration/online").then().statusCode(202)
                .body("source.model", equalTo("text-embedding-004")).body("source.dimensions", equalTo(768));
        Response early = search();
        assertThat(early.statusCode()).isEqualTo(200);
        assertThat(early.header("Reembed-Search-Column")).isEqualTo("embedding_next");
        assertThat(Double.parseDouble(early.header("Reembed-Coverage"))).isLessThan(1.0);
        fake.reset();
        fake.wordVectors(true);

        awaitPhase("READY");
        Response ready = search();
        assertThat(ready.header("Reembed-Search-Column")).isEqualTo("embedding_next");
        assertThat(ready.header("Reembed-Coverage")).isEqualTo("1.0000");
        assertThat(ready.jsonPath().getList("id")).isNotEmpty();

        given().post("/api/migration/online/cutover").then().statusCode(200).body("phase", equalTo("CUT_OVER"));
        assertThat(columnType("embedding")).isEqualTo("vector(1536)");
        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where version = '3' and success")).isEqualTo(1);
        Response after = search();
        assertThat(after.header("Reembed-Search-Column")).isEqualTo("embedding");
        assertThat(after.header("Reembed-Coverage")).isNull();
        assertThat(after.jsonPath().getList("id")).isNotEmpty();

        given().post("/api/migration/online/rollback").then().statusCode(200).body("phase", equalTo("READY"));
        assertThat(columnType("embedding")).isEqualTo("vector(768)");
        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where version = '3'")).isZero();
        assertThat(search().header("Reembed-Search-Column")).isEqualTo("embedding_next");
        given().post("/api/migration/online/cutover").then().statusCode(200);
        given().post("/api/migration/online/finalize").then().statusCode(200).body("phase", equalTo("FINALIZED"));
        assertThat(search().header("Reembed-Search-Column")).isEqualTo("embedding");
    }

    private static Response search() {
        return given().contentType("application/json").body(Map.of("query", "rotate a PDF page", "threshold", 0.1))
                .post("/api/questions/search");
    }

    private void awaitPhase(String phase) {
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        while (!phase.equals(given().get("/api/migration/online").then().extract().jsonPath().getString("phase"))) {
            assertThat(Instant.now()).as("phase " + phase + " reached").isBefore(end);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String columnType(String column) {
        return TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'questions'::regclass "
                + "and attname = ? and not attisdropped", column);
    }
}
