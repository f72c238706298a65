package dev.reembed.backfill;

import static dev.reembed.backfill.BackfillTestSupport.awaitStatus;
import static dev.reembed.backfill.BackfillTestSupport.seed;
import static dev.reembed.backfill.BackfillTestSupport.sleep;
import static dev.reembed.backfill.BackfillTestSupport.start;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiApi.RateLimited;
import dev.reembed.embedding.gemini.FakeGeminiApi.ServerError;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.testing.BackfillState;
import dev.reembed.testing.FakeGeminiProfile;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/** GET /api/backfills/{id}/history: the per-minute counts add up to the run's own counters and the provider's requests. */
@QuarkusTest
@TestProfile(FakeGeminiProfile.class) // the same application as BackfillTest: no second start-up
class RunHistoryTest {

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @Inject
    RunHistory history;

    @BeforeEach
    void reset() {
        BackfillState.clear(db, fake);
        history.flush(); // counts of the runs just truncated are dropped, not added to a new run with a reused id
    }

    @AfterEach
    void stopRuns() {
        fake.reset();
        BackfillState.cancelActive();
    }

    @Test
    void theMinutesOfACompletedRunAddUpToItsCounters() {
        seed(db, 57);
        long id = start(Map.of("batchSize", 10, "concurrency", 2));
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));

        List<Map<String, Object>> minutes = historyOf(id);
        assertThat(minutes).isNotEmpty();
        assertThat(sum(minutes, "rows")).isEqualTo(done.getLong("succeeded")).isEqualTo(57);
        assertThat(sum(minutes, "tokens")).isEqualTo(done.getLong("inputTokens")).isPositive();
        assertThat(sum(minutes, "calls")).as("one call per batch of 10").isEqualTo(fake.requests().size()).isEqualTo(6);
        assertThat(sum(minutes, "rateLimited")).isZero();
        assertThat(sum(minutes, "errors")).isZero();
        assertThat(sum(minutes, "leaseTakeovers")).isZero();
        List<Instant> starts = minutes.stream().map(m -> Instant.parse((String) m.get("minute"))).toList();
        assertThat(starts).isSorted().doesNotHaveDuplicates()
                .allSatisfy(m -> assertThat(m.getEpochSecond() % 60).as("the start of a minute").isZero());
        Instant started = Instant.parse(done.getString("startedAt"));
        assertThat(starts.get(0)).isBetween(started.minusSeconds(60), started.plusSeconds(60));
    }

    @Test
    void rateLimitsAndErrorsAreCountedPerRequestRetriesIncluded() {
        seed(db, 30);
        // The first batch: two 429s and a 503, each retried by the client, then embedded.
        fake.enqueue(new RateLimited("0.05s"), new RateLimited("0.05s"), new ServerError(503));
        long id = start(Map.of("batchSize", 10, "concurrency", 1));
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
        assertThat(done.getLong("failed")).isZero();

        List<Map<String, Object>> minutes = historyOf(id);
        assertThat(sum(minutes, "rateLimited")).isEqualTo(2);
        assertThat(sum(minutes, "errors")).isEqualTo(1);
        assertThat(sum(minutes, "calls")).as("3 batches and 3 retries").isEqualTo(fake.requests().size()).isEqualTo(6);
        assertThat(sum(minutes, "rows")).isEqualTo(30);
    }

    @Test
    void rowsOfAnExpiredLeaseAreCountedAsTakeovers() {
        seed(db, 40);
        fake.latency(300);
        long id = start(Map.of("batchSize", 10, "concurrency", 1));
        given().post("/api/backfills/" + id + "/pause").then().statusCode(200);
        awaitStatus(id, Set.of("PAUSED"), Duration.ofSeconds(5));
        sleep(500); // a batch already at the provider is written or given back
        // A replica that died holding rows: their lease expired a minute ago.
        long dead = TestDb.number(db, "with d as (update backfill_items set state = 'LEASED', lease_owner = 'dead/replica', "
                + "lease_expires_at = now() - interval '1 minute' where run_id = " + id + " and state = 'PENDING' and question_id > 30 "
                + "returning 1) select count(*) from d");
        assertThat(dead).isEqualTo(10);
        given().post("/api/backfills/" + id + "/resume").then().statusCode(200);
        awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));

        List<Map<String, Object>> minutes = historyOf(id);
        assertThat(sum(minutes, "leaseTakeovers")).isEqualTo(dead);
        assertThat(sum(minutes, "rows")).isEqualTo(40);
    }

    @Test
    void anUnknownRunIsA404Problem() {
        given().get("/api/backfills/987654/history").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404));
        long id = start(Map.of("batchSize", 10)); // no questions: nothing to embed, nothing to chart
        awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
        given().get("/api/backfills/" + id + "/history").then().statusCode(200).body("size()", equalTo(0));
    }

    private static List<Map<String, Object>> historyOf(long id) {
        return given().get("/api/backfills/" + id + "/history").then().statusCode(200).contentType("application/json")
                .extract().jsonPath().getList("$");
    }

    private static long sum(List<Map<String, Object>> minutes, String field) {
        return minutes.stream().mapToLong(m -> ((Number) m.get(field)).longValue()).sum();
    }
}
