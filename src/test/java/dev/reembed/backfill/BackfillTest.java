package dev.reembed.backfill;

import static dev.reembed.backfill.BackfillTestSupport.await;
import static dev.reembed.backfill.BackfillTestSupport.awaitStatus;
import static dev.reembed.backfill.BackfillTestSupport.notCovered;
import static dev.reembed.backfill.BackfillTestSupport.run;
import static dev.reembed.backfill.BackfillTestSupport.seed;
import static dev.reembed.backfill.BackfillTestSupport.sleep;
import static dev.reembed.backfill.BackfillTestSupport.start;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.testing.BackfillState;
import dev.reembed.testing.FakeGeminiProfile;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/** Issue 5's acceptance, in process: a scratch database at the target schema, the fake Gemini API. */
@QuarkusTest
@TestProfile(FakeGeminiProfile.class)
class BackfillTest {

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @Inject
    BackfillSweeper sweeper;

    @TestHTTPResource("/api/backfills")
    URI backfills;

    @TestHTTPResource(value = "/metrics", management = true) // the management root (/q) is prefixed
    URI metrics;

    @TestHTTPResource(value = "/health/ready", management = true)
    URI ready;

    @BeforeEach
    void reset() {
        BackfillState.clear(db, fake);
    }

    @AfterEach
    void stopRuns() {
        fake.reset();
        BackfillState.cancelActive();
    }

    @Test
    void embedsEveryRowInScopeOnceAndReportsProgress() {
        seed(db, 57);
        TestDb.exec(db, "update questions set deleted_at = now() where id = 57");

        var created = given().contentType("application/json").body(Map.of("batchSize", 10)).post("/api/backfills")
                .then().statusCode(202)
                .header("Location", org.hamcrest.Matchers.matchesPattern(".*/api/backfills/\\d+$"))
                .body("model", equalTo("gemini-embedding-001"))
                .body("dimensions", equalTo(1536))
                .body("scope", equalTo("STALE"))
                .body("total", equalTo(56))
                .extract().jsonPath();
        long id = created.getLong("id");
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));

        assertThat(done.getLong("succeeded")).isEqualTo(56);
        assertThat(done.getLong("failed")).isZero();
        assertThat(done.getLong("processed")).isEqualTo(56);
        assertThat(done.getLong("remaining")).isZero();
        assertThat(done.getDouble("percent")).isEqualTo(100.0);
        assertThat(done.getLong("inputTokens")).isPositive();
        assertThat(done.getDouble("estimatedCostUsd")).isPositive();
        assertThat(done.getString("finishedAt")).isNotNull();
        assertThat(done.getString("searchIndex.strategy")).isEqualTo("AUTO");
        assertThat(done.getString("searchIndex.state")).as("56 rows: below the rebuild threshold").isEqualTo("KEPT");
        assertThat(notCovered(db)).isZero();
        assertThat(TestDb.string(db, "select embedding is null from questions where id = 57")).isEqualTo("t");
        assertThat(TestDb.number(db, "select count(*) from questions where embedding is not null and abs(vector_norm(embedding) - 1) > 1e-5"))
                .as("unit vectors").isZero();
        assertThat(fake.embeddedTexts()).hasSize(56).allSatisfy((text, times) -> assertThat(times).as(text).isEqualTo(1));

        String etag = given().get("/api/backfills/" + id).then().statusCode(200).extract().header("ETag");
        assertThat(etag).isNotBlank();
        given().header("If-None-Match", etag).get("/api/backfills/" + id).then().statusCode(304);
        given().get("/api/backfills").then().statusCode(200).body("[0].id", equalTo((int) id));

        // The management port: Prometheus metrics of the run, and readiness with the schema state.
        String prometheus = given().get(metrics).then().statusCode(200).extract().asString();
        assertThat(metricValue(prometheus, "reembed_backfill_rows_embedded_total")).isGreaterThanOrEqualTo(56);
        assertThat(prometheus).contains("reembed_provider_requests_seconds_bucket{").contains("provider=\"gemini\"")
                .contains("reembed_backfill_run_active{status=\"RUNNING\"}").contains("reembed_limiter_wait_seconds")
                .contains("reembed_provider_rate_limited_total");
        given().get(ready).then().statusCode(200).body("checks.find { it.name == 'migration' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'migration' }.data.column", equalTo("vector(1536)"));
        given().get(backfills.toString().replace("/api/backfills", "/q/metrics")).then().statusCode(404); // not on the API port
    }

    private static double metricValue(String prometheus, String name) {
        return prometheus.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The fix docs/BENCHMARKS.md measures: a large run writes without the HNSW index and builds it once at the end. */
    @Test
    void aLargeRunDropsTheSearchIndexAndBuildsItBeforeItCompletes() {
        seed(db, 300);
        fake.latency(40);
        long id = start(Map.of("batchSize", 10, "concurrency", 2, "searchIndex", "REBUILD"));
        JsonPath during = await(id, r -> r.getLong("processed") >= 30, Duration.ofSeconds(30));
        assertThat(during.getString("status")).isEqualTo("RUNNING");
        assertThat(during.getString("searchIndex.state")).isEqualTo("DROPPED");
        assertThat(during.getString("searchIndex.droppedAt")).isNotNull();
        assertThat(searchIndex()).as("no index while the rows are written").isNull();
        // Searches still answer meanwhile (exact scan).
        given().contentType("application/json").body(Map.of("query", "How do I rotate a PDF page?", "limit", 3))
                .post("/api/questions/search").then().statusCode(200);

        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(60));
        assertThat(done.getString("searchIndex.state")).isEqualTo("BUILT");
        assertThat(done.getDouble("searchIndex.buildSeconds")).isNotNegative();
        assertThat(OffsetDateTime.parse(done.getString("searchIndex.builtAt")))
                .isBeforeOrEqualTo(OffsetDateTime.parse(done.getString("finishedAt")));
        assertThat(searchIndex()).as("the index V3 defines, valid").isEqualTo(
                "true CREATE INDEX idx_questions_embedding ON public.questions USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64')");
        assertThat(notCovered(db)).isZero();
    }

    @Test
    void aCancelledRunStillGetsItsSearchIndexBack() {
        seed(db, 300);
        fake.latency(100);
        long id = start(Map.of("batchSize", 5, "concurrency", 2, "searchIndex", "REBUILD"));
        await(id, r -> r.getLong("processed") >= 20, Duration.ofSeconds(30));
        assertThat(searchIndex()).isNull();
        given().post("/api/backfills/" + id + "/cancel").then().statusCode(200);
        JsonPath healed = await(id, r -> "BUILT".equals(r.getString("searchIndex.state")), Duration.ofSeconds(30));
        assertThat(healed.getString("status")).isEqualTo("CANCELLED");
        assertThat(searchIndex()).startsWith("true CREATE INDEX idx_questions_embedding ON public.questions USING hnsw");
    }

    @Test
    void anInvalidIndexLeftByAnInterruptedBuildIsReplaced() {
        seed(db, 200);
        fake.latency(100);
        long id = start(Map.of("batchSize", 5, "concurrency", 2, "searchIndex", "REBUILD"));
        await(id, r -> r.getLong("processed") >= 20, Duration.ofSeconds(30));
        // What a build cut off by a crash leaves: an invalid index of that name (a failed CONCURRENTLY build).
        try {
            TestDb.exec(db, "create unique index concurrently idx_questions_embedding on questions ((1))");
        } catch (RuntimeException expected) {
            // duplicate key: the index stays behind, invalid
        }
        assertThat(searchIndex()).startsWith("false ");
        awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(60));
        assertThat(searchIndex()).startsWith("true CREATE INDEX idx_questions_embedding ON public.questions USING hnsw");
    }

    @Test
    void aRunThatMayNotDropTheSearchIndexKeepsItAndGoesOn() throws Exception {
        seed(db, 60);
        // A schema owned by another role (made outside reembed): the service may write the rows but
        // not drop or create indexes. The superuser is the one scripts/postgres.sh uses.
        String superuser = System.getenv().getOrDefault("PGSUPERUSER", "postgres");
        String url;
        String serviceUser;
        try (Connection c = db.getConnection()) {
            url = c.getMetaData().getURL();
            serviceUser = c.getMetaData().getUserName();
        }
        try (Connection su = DriverManager.getConnection(url, superuser, System.getenv().getOrDefault("PGPASSWORD", ""));
                Statement st = su.createStatement()) {
            st.execute("alter table questions owner to " + superuser);
            st.execute("grant all on questions to " + serviceUser);
            try {
                assertThat(searchIndex()).startsWith("true CREATE INDEX");
                long id = start(Map.of("batchSize", 10, "searchIndex", "REBUILD"));
                JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
                assertThat(done.getLong("succeeded")).isEqualTo(60);
                assertThat(done.getString("searchIndex.strategy")).as("fell back").isEqualTo("KEEP");
                assertThat(done.getString("searchIndex.state")).isEqualTo("KEPT");
                assertThat(searchIndex()).startsWith("true CREATE INDEX idx_questions_embedding ON public.questions USING hnsw");
            } finally {
                st.execute("alter table questions owner to " + serviceUser);
            }
        }
    }

    /** "true|false definition" of idx_questions_embedding, or null when there is none. */
    private String searchIndex() {
        return TestDb.string(db, """
                select i.indisvalid::text || ' ' || pg_get_indexdef(i.indexrelid) from pg_index i
                join pg_class c on c.oid = i.indexrelid where c.relname = 'idx_questions_embedding'""");
    }

    @Test
    void onlyOneActiveRun() {
        seed(db, 30);
        fake.latency(300);
        long id = start(Map.of("batchSize", 5, "concurrency", 1));
        given().contentType("application/json").body("{}").post("/api/backfills").then().statusCode(409)
                .contentType("application/problem+json")
                .body("activeRunId", equalTo((int) id));
    }

    @Test
    void poisonRowsAreRecordedAloneAndSucceedOnceFixed() {
        seed(db, 40);
        TestDb.exec(db, "update questions set content = content || ' " + FakeGeminiApi.INVALID_MARKER + "' where id in (7, 23, 24)");
        long id = start(Map.of("batchSize", 10));
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
        assertThat(done.getLong("failed")).isEqualTo(3);
        assertThat(done.getLong("succeeded")).isEqualTo(37);

        JsonPath failures = given().get("/api/backfills/" + id + "/failures?limit=2").then().statusCode(200).extract().jsonPath();
        assertThat(failures.getList("items.questionId", Long.class)).containsExactly(7L, 23L);
        assertThat(failures.getList("items.errorCode")).containsOnly("INVALID_ARGUMENT");
        assertThat(failures.getLong("next")).isEqualTo(23);
        JsonPath page2 = given().get("/api/backfills/" + id + "/failures?limit=2&after=23").then().statusCode(200).extract().jsonPath();
        assertThat(page2.getList("items.questionId", Long.class)).containsExactly(24L);
        assertThat(page2.get("next") == null).isTrue();

        TestDb.exec(db, "update questions set content = replace(content, ' " + FakeGeminiApi.INVALID_MARKER + "', '') where id in (7, 23, 24)");
        given().post("/api/backfills/" + id + "/failures/retry").then().statusCode(202).body("failed", equalTo(0));
        JsonPath again = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
        assertThat(again.getLong("failed")).isZero();
        assertThat(again.getLong("succeeded")).isEqualTo(40);
        assertThat(TestDb.number(db, "select count(*) from backfill_failures")).isZero();
        assertThat(notCovered(db)).isZero();
    }

    @Test
    void completesUnderAFaultMixWithNothingMissing() {
        seed(db, 600);
        fake.mix(42, 0.10, 0.05, 0.01, 10_500); // 1 % answered after the read timeout
        long id = start(Map.of("batchSize", 5, "concurrency", 3));
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(90));
        assertThat(notCovered(db)).isZero();
        assertThat(done.getLong("succeeded")).isEqualTo(600);
        assertThat(fake.requests().size()).as("faults were injected and retried").isGreaterThan((int) fake.successfulRequests());
    }

    @Test
    void pausedMeansNoProviderCallsAndCancelKeepsWhatWasCommitted() {
        seed(db, 200);
        fake.latency(100);
        long id = start(Map.of("batchSize", 5, "concurrency", 2));
        await(id, r -> r.getLong("processed") >= 20, Duration.ofSeconds(30));

        given().post("/api/backfills/" + id + "/pause").then().statusCode(200).body("status", equalTo("PAUSED"));
        sleep(500); // batches already at the provider finish
        int calls = fake.requests().size();
        long processed = run(id).getLong("processed");
        sleep(1500);
        assertThat(fake.requests()).as("no provider call while paused").hasSize(calls);
        assertThat(run(id).getLong("processed")).isEqualTo(processed);
        given().post("/api/backfills/" + id + "/pause").then().statusCode(409).contentType("application/problem+json");

        given().post("/api/backfills/" + id + "/resume").then().statusCode(200).body("status", equalTo("RUNNING"));
        await(id, r -> r.getLong("processed") > processed + 10, Duration.ofSeconds(30));
        given().post("/api/backfills/" + id + "/cancel").then().statusCode(200).body("status", equalTo("CANCELLED"));
        sleep(500);
        long committed = TestDb.number(db, "select count(*) from questions where embedding is not null");
        int callsAfterCancel = fake.requests().size();
        sleep(1000);
        assertThat(fake.requests()).hasSize(callsAfterCancel);
        JsonPath cancelled = run(id);
        assertThat(cancelled.getString("status")).isEqualTo("CANCELLED");
        assertThat(cancelled.getLong("succeeded")).isEqualTo(committed);
        assertThat(committed).isBetween(processed + 10, 199L);
        assertThat(TestDb.number(db, "select count(*) from questions where embedding is not null")).as("kept").isEqualTo(committed);
        given().post("/api/backfills/" + id + "/resume").then().statusCode(409);
    }

    @Test
    void contentEditedMidRunEndsWithTheVectorOfTheFinalText() {
        seed(db, 120);
        fake.latency(150);
        long id = start(Map.of("batchSize", 10, "concurrency", 1));
        await(id, r -> r.getLong("processed") >= 30, Duration.ofSeconds(30));
        // done rows, the leased batch, and pending rows alike
        TestDb.exec(db, "update questions set content = content || ' (edited: still failing after the upgrade)' where id % 7 = 0");
        awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(60));
        assertThat(notCovered(db)).isZero();
        var texts = fake.embeddedTexts().keySet();
        for (long q = 7; q <= 120; q += 7) {
            String content = TestDb.string(db, "select content from questions where id = ?", q);
            assertThat(content).endsWith("(edited: still failing after the upgrade)");
            assertThat(texts).as("row %d was embedded with its final text", q).contains(content);
        }
        assertThat(run(id).getLong("succeeded")).isEqualTo(120);
    }

    @Test
    void rowsCreatedDuringARunArePickedUpBeforeItCompletes() {
        seed(db, 50);
        fake.latency(100);
        long id = start(Map.of("batchSize", 5, "concurrency", 1));
        await(id, r -> r.getLong("processed") >= 10, Duration.ofSeconds(30));
        TestDb.exec(db, "insert into questions (title, content) select 'Late ' || g, 'A question asked during the backfill, number ' || g "
                + "from generate_series(1, 5) g");
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(60));
        assertThat(done.getLong("total")).isEqualTo(55);
        assertThat(done.getLong("succeeded")).isEqualTo(55);
        assertThat(notCovered(db)).isZero();
    }

    @Test
    void anOutagePausesTheRunInsteadOfFailingRows() {
        seed(db, 30);
        fake.down(503);
        long id = start(Map.of("batchSize", 10));
        JsonPath paused = awaitStatus(id, Set.of("PAUSED"), Duration.ofSeconds(60));
        assertThat(paused.getString("lastError")).startsWith("Provider outage").contains("UNAVAILABLE");
        assertThat(paused.getLong("failed")).isZero();
        assertThat(TestDb.number(db, "select count(*) from backfill_failures")).isZero();

        fake.down(null);
        given().post("/api/backfills/" + id + "/resume").then().statusCode(200);
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
        assertThat(done.getString("lastError")).isNull();
        assertThat(notCovered(db)).isZero();
    }

    /**
     * The race a fresh clone once failed on: a call already in flight (inside its retries) when the
     * run paused for an outage fails after the resume. It began in the run's previous generation,
     * so it must neither count against its rows nor pause the resumed run.
     */
    @Test
    void aCallInFlightAcrossAPauseCannotPauseTheResumedRun() throws Exception {
        seed(db, 30);
        fake.down(503);
        FakeGeminiApi.Gate inFlight = fake.holdNext();
        long id = start(Map.of("batchSize", 10, "concurrency", 2));
        inFlight.awaitHeld(Duration.ofSeconds(30));
        // the other worker's calls all fail: an outage, and the run pauses with the call still held
        awaitStatus(id, Set.of("PAUSED"), Duration.ofSeconds(60));

        fake.down(null);
        FakeGeminiApi.Gate resumedFirst = fake.holdNext(); // no call of the resumed run succeeds before the old one fails
        given().post("/api/backfills/" + id + "/resume").then().statusCode(200);
        resumedFirst.awaitHeld(Duration.ofSeconds(30));
        int before = fake.requests().size();
        fake.enqueue(new FakeGeminiApi.ServerError(503), new FakeGeminiApi.ServerError(503), new FakeGeminiApi.ServerError(503));
        inFlight.answer(new FakeGeminiApi.ServerError(503)); // and its 3 retries get the 3 queued 503s: it fails now
        // Judged either way once the run is PAUSED again (the bug) or the old worker calls again (its rows went back)
        await(() -> "PAUSED".equals(run(id).getString("status")) || fake.requests().size() > before + 3, Duration.ofSeconds(30));
        resumedFirst.pass();

        JsonPath done = awaitStatus(id, Set.of("COMPLETED", "PAUSED"), Duration.ofSeconds(30));
        assertThat(done.getString("status")).as("the stale failure paused the resumed run: %s", done.getString("lastError"))
                .isEqualTo("COMPLETED");
        assertThat(done.getString("lastError")).isNull();
        assertThat(done.getLong("failed")).isZero();
        assertThat(notCovered(db)).isZero();
    }

    @Test
    void aCallSlowerThanTheLeaseKeepsItsRowsWhileItsReplicaLives() {
        seed(db, 8);
        fake.latency(4000); // every call outlasts the 3-s lease: only the renewal keeps the rows with their worker
        long id = start(Map.of("batchSize", 4, "concurrency", 4)); // two workers hold the rows, two wait for expired leases
        JsonPath done = awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(60));
        assertThat(done.getLong("succeeded")).isEqualTo(8);
        assertThat(fake.embeddedTexts()).hasSize(8);
        assertThat(fake.embeddedTexts().values()).as("no batch was taken over and embedded again").containsOnly(1);
    }

    @Test
    void theScheduledSweepEmbedsRowsAddedAfterACompletedRun() {
        seed(db, 20);
        long id = start(Map.of("batchSize", 10));
        awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(30));
        assertThat(sweeper.sweepOnce()).as("nothing to sweep").isEqualTo(-1);

        TestDb.exec(db, "insert into questions (title, content) values ('New', 'Asked after the backfill: how do I rotate logs?')");
        TestDb.exec(db, "update questions set content = content || ' (edited)' where id = 3");
        long sweep = sweeper.sweepOnce();
        assertThat(sweep).isPositive();
        JsonPath done = awaitStatus(sweep, Set.of("COMPLETED"), Duration.ofSeconds(30));
        assertThat(done.getLong("total")).isEqualTo(2);
        given().get("/api/backfills/" + sweep).then().body("trigger", equalTo("sweep"));
        assertThat(notCovered(db)).isZero();
    }

    @Test
    void theEventStreamFollowsTheRunToItsEnd() throws Exception {
        seed(db, 40);
        fake.latency(400); // 8 calls of 0.4 s: the run lasts several of the stream's 1-s ticks
        long id = start(Map.of("batchSize", 5, "concurrency", 1));
        HttpResponse<java.util.stream.Stream<String>> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(backfills + "/" + id + "/events")).header("Accept", "text/event-stream")
                        .header("Authorization", dev.reembed.testing.OperatorKey.bearer()).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> events = response.body().filter(l -> l.startsWith("data:")).toList(); // the stream ends with the run
        assertThat(events.size()).isGreaterThan(2);
        assertThat(events.get(events.size() - 1)).contains("\"status\":\"COMPLETED\"").contains("\"processed\":40");
    }

    @Test
    void badRequestsAreProblems() {
        given().contentType("application/json").body("{\"scope\":\"SOME\"}").post("/api/backfills").then().statusCode(400)
                .contentType("application/problem+json");
        given().contentType("application/json").body("{\"batchSize\":0}").post("/api/backfills").then().statusCode(400)
                .contentType("application/problem+json");
        given().contentType("application/json").body("{\"searchIndex\":\"SOMETIMES\"}").post("/api/backfills").then()
                .statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body("{\"dimensions\":768}").post("/api/backfills").then().statusCode(400)
                .contentType("application/problem+json");
        given().contentType("application/json").body("{\"model\":\"text-embedding-ada-002\",\"dimensions\":1536}")
                .post("/api/backfills").then().statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body("{\"batchSize\":").post("/api/backfills").then().statusCode(400)
                .contentType("application/problem+json");
        given().get("/api/backfills/424242").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/backfills/abc").then().statusCode(404);
        given().get("/api/backfills/1/failures?limit=0").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void theEstimateIsTheSeedsCostTableComputedFromTheData() {
        seed(db, 250);
        TestDb.exec(db, "insert into questions (title, content) values ('Ünïcode', 'Wie setze ich das Passwort zurück? パスワード')");
        long tokens = 0;
        try (var c = db.getConnection(); var st = c.createStatement(); var rs = st.executeQuery("select title, content from questions")) {
            while (rs.next()) {
                tokens += dev.reembed.embedding.TokenEstimator.estimate(rs.getString(1))
                        + dev.reembed.embedding.TokenEstimator.estimate(rs.getString(2));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        JsonPath e = given().get("/api/backfills/estimate?scope=MISSING").then().statusCode(200).extract().jsonPath();
        assertThat(e.getLong("rows")).isEqualTo(251);
        assertThat(e.getLong("estimatedInputTokens")).as("the same estimate as the provider's").isEqualTo(tokens);
        assertThat(e.getString("model")).isEqualTo("gemini-embedding-001");
        assertThat(e.getDouble("estimatedCostUsd")).isCloseTo(tokens * 0.15 / 1e6, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(e.getLong("requests")).isEqualTo(3); // 100 rows a request
        long expectedSeconds = (long) Math.ceil(Math.max(3.0 / 1_000_000, tokens / 1e9) * 60);
        assertThat(e.getLong("estimatedDurationSeconds")).isEqualTo(expectedSeconds);
        assertThat(e.getLong("storageBytes")).isEqualTo(251L * (4 * 1536 + 8));
        given().get("/api/backfills/estimate?scope=EVERYTHING").then().statusCode(404);
    }

    @Test
    void aQuestionIsKeptWhenTheProviderIsDownAndSearchSaysSo() {
        fake.down(503);
        given().contentType("application/json").body(Map.of("title", "Disk full", "content", "How do I find what fills my disk?"))
                .post("/api/questions").then().statusCode(201)
                .body("embedding.status", equalTo("PENDING"))
                .body("embedding.error", org.hamcrest.Matchers.containsString("UNAVAILABLE"));
        assertThat(TestDb.number(db, "select count(*) from questions where title = 'Disk full' and embedding is null")).isEqualTo(1);
        given().contentType("application/json").body(Map.of("query", "disk full")).post("/api/questions/search").then().statusCode(503)
                .contentType("application/problem+json");
        assertThat(fake.lastKey()).isEqualTo(FakeGeminiApi.KEY);
        fake.down(null);
        given().contentType("application/json").body(Map.of("query", "disk full", "threshold", -1)).post("/api/questions/search")
                .then().statusCode(200);
    }
}
