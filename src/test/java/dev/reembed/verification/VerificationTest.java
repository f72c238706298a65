package dev.reembed.verification;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.MatchFunction;
import dev.reembed.testing.BackfillState;
import dev.reembed.testing.FakeGeminiProfile;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The verification report on a fully migrated store (backfilled through the fake Gemini API), and
 * each check failing when its condition is broken.
 */
@QuarkusTest
@TestProfile(FakeGeminiProfile.class)
class VerificationTest {

    static final int ROWS = 400;

    /** The store was backfilled by this class: other classes of the profile share the database. */
    static boolean seeded;

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @BeforeEach
    void migratedStore() {
        fake.reset();
        if (seeded && TestDb.number(db, "select count(*) from questions where embedding is not null") == ROWS) {
            return;
        }
        BackfillState.clear(db, fake);
        TestDb.exec(db, "insert into questions (title, content) select 'Question ' || g, 'How do I solve problem ' || g "
                + "|| ' in my deployment? ' || md5(g::text) from generate_series(1, " + ROWS + ") g");
        long id = given().contentType("application/json").body(Map.of("batchSize", 100)).post("/api/backfills")
                .then().statusCode(202).extract().jsonPath().getLong("id");
        Instant.await(() -> "COMPLETED".equals(given().get("/api/backfills/" + id).jsonPath().getString("status")), Duration.ofSeconds(60));
        seeded = true;
    }

    private static JsonPath verify(String query) {
        return given().get("/api/verification" + query).then().statusCode(200).extract().jsonPath();
    }

    private static String status(JsonPath report, String check) {
        return report.getString("checks.find { it.name == '" + check + "' }.status");
    }

    @Test
    void passesOnAFullyMigratedStore() {
        JsonPath report = verify("?sample=20&drift=5");
        assertThat(report.getString("status")).as(report.prettify()).isEqualTo("PASS");
        assertThat(report.getList("checks.name")).containsExactly("column", "index", "function", "coverage", "norms",
                "self-retrieval", "recall@10", "latency", "drift");
        assertThat(report.getList("checks.status")).containsOnly("PASS");
        assertThat(report.getInt("sample")).isEqualTo(20);
        assertThat(report.getDouble("checks.find { it.name == 'recall@10' }.value")).isGreaterThanOrEqualTo(0.9);
        assertThat(report.getDouble("checks.find { it.name == 'coverage' }.value")).isEqualTo(100.0);
        assertThat(report.getDouble("checks.find { it.name == 'latency' }.value.p95Ms")).isPositive();
        assertThat(report.getDouble("checks.find { it.name == 'drift' }.value")).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void aNulledVectorFailsCoverage() {
        String saved = TestDb.string(db, "select embedding::text from questions where id = 17");
        TestDb.exec(db, "update questions set embedding = null where id = 17");
        try {
            JsonPath report = verify("?sample=5");
            assertThat(report.getString("status")).isEqualTo("FAIL");
            assertThat(status(report, "coverage")).isEqualTo("FAIL");
            assertThat(report.getString("checks.find { it.name == 'coverage' }.detail")).contains("1 do not");
        } finally {
            TestDb.exec(db, "update questions set embedding = '" + saved + "' where id = 17");
        }
    }

    @Test
    void anEditedQuestionFailsCoverageUntilReEmbedded() {
        TestDb.exec(db, "update questions set content = content || ' (edited)' where id = 9");
        try {
            assertThat(status(verify("?sample=5"), "coverage")).isEqualTo("FAIL");
        } finally {
            TestDb.exec(db, "update questions set content = replace(content, ' (edited)', '') where id = 9");
        }
        assertThat(status(verify("?sample=5"), "coverage")).isEqualTo("PASS");
    }

    @Test
    void anUnnormalisedVectorFailsNorms() {
        String saved = TestDb.string(db, "select embedding::text from questions where id = 5");
        TestDb.exec(db, "update questions set embedding = (select array_agg(e * 2 order by n)::vector "
                + "from unnest(embedding::real[]) with ordinality as t(e, n)) where id = 5");
        try {
            JsonPath report = verify("?sample=5");
            assertThat(status(report, "norms")).isEqualTo("FAIL");
            assertThat(report.getString("status")).isEqualTo("FAIL");
        } finally {
            TestDb.exec(db, "update questions set embedding = '" + saved + "' where id = 5");
        }
    }

    @Test
    void aDroppedIndexFailsIndexAndRecall() {
        TestDb.exec(db, "drop index idx_questions_embedding");
        try {
            JsonPath report = verify("?sample=5");
            assertThat(status(report, "index")).isEqualTo("FAIL");
            assertThat(status(report, "recall@10")).isEqualTo("FAIL");
            assertThat(report.getString("status")).isEqualTo("FAIL");
        } finally {
            TestDb.exec(db, new HnswIndex(16, 64).createDdl(false));
        }
    }

    @Test
    void aFunctionAtTheWrongDimensionFails() {
        TestDb.exec(db, MatchFunction.createDdl(768));
        try {
            JsonPath report = verify("?sample=5");
            assertThat(status(report, "function")).isEqualTo("FAIL");
            assertThat(report.getString("checks.find { it.name == 'function' }.detail")).contains("refuses a vector(1536)");
            assertThat(report.getString("status")).isEqualTo("FAIL");
        } finally {
            TestDb.exec(db, MatchFunction.createDdl(1536));
        }
    }

    @Test
    void aTinyEfSearchFailsRecall() {
        JsonPath report = verify("?sample=20&efSearch=1");
        assertThat(status(report, "recall@10")).isEqualTo("FAIL");
        assertThat(report.getDouble("checks.find { it.name == 'recall@10' }.value")).isLessThan(0.9);
    }

    @Test
    void aZeroLatencyBoundFailsLatency() {
        JsonPath report = verify("?sample=5&maxP95Ms=0");
        assertThat(status(report, "latency")).isEqualTo("FAIL");
        assertThat(report.getString("status")).isEqualTo("FAIL");
    }

    @Test
    void badParametersAreProblems() {
        given().get("/api/verification?sample=0").then().statusCode(400).contentType("application/problem+json");
        given().get("/api/verification?sample=abc").then().statusCode(404);
        given().get("/api/verification?efSearch=-3").then().statusCode(400).contentType("application/problem+json");
        given().get("/api/verification?minRecall=2").then().statusCode(400).contentType("application/problem+json");
    }

    /** Polling without a library for one wait. */
    static final class Instant {
        static void await(java.util.function.BooleanSupplier done, Duration timeout) {
            long end = System.nanoTime() + timeout.toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("not done in " + timeout);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
