package dev.reembed.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.ServiceProcess;

/**
 * The packaged service as real processes against a database of its own and the fake Gemini API:
 * killed with SIGKILL mid-run and started again; and two replicas sharing one run.
 */
class BackfillProcessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private ScratchDatabaseResource database;
    private Map<String, String> dbConfig;
    private FakeGeminiApi fake;

    @BeforeEach
    void setUp() throws Exception {
        database = new ScratchDatabaseResource();
        database.init(Map.of());
        dbConfig = database.start();
        fake = new FakeGeminiApi();
        fake.latency(100);
    }

    @AfterEach
    void tearDown() {
        fake.close();
        database.stop();
    }

    private Map<String, String> env() {
        Map<String, String> env = ServiceProcess.againstFakeGemini(dbConfig, fake);
        env.put("REEMBED_BACKFILL_LEASE_DURATION", "3s"); // a dead replica's batch comes back quickly
        env.put("REEMBED_BACKFILL_LEASE_RENEWAL", "1s"); // and a live one's stays its own
        return env;
    }

    @Test
    void aKilledServiceResumesWhereItsLastCommitEnded() throws Exception {
        long id;
        Set<String> committedTexts = new HashSet<>();
        int mark;
        try (ServiceProcess first = new ServiceProcess(env(), ServiceProcess.logFile("crash-first")).start()) {
            seed(1500);
            // REBUILD: the run drops the search index; the kill leaves it dropped, the restart must build it.
            id = startRun(first, "{\"batchSize\":10,\"concurrency\":2,\"searchIndex\":\"REBUILD\"}");
            awaitRun(first, id, r -> r.path("succeeded").asLong() >= 300, Duration.ofSeconds(60));
            first.kill();
            mark = fake.requests().size(); // in-flight answers of the dead process may still land; they are counted before the mark
            committedTexts.addAll(strings("select content from questions where embedding is not null"));
        }
        assertThat(committedTexts).hasSizeBetween(300, 1499);
        assertThat(strings("select status from backfill_runs")).containsExactly("RUNNING");
        assertThat(strings("select indexname from pg_indexes where indexname = 'idx_questions_embedding'")).isEmpty();

        try (ServiceProcess second = new ServiceProcess(env(), ServiceProcess.logFile("crash-second")).start()) {
            JsonNode done = awaitRun(second, id, r -> "COMPLETED".equals(r.path("status").asText()), Duration.ofSeconds(120));
            assertThat(done.path("succeeded").asLong()).isEqualTo(1500);
            assertThat(done.path("failed").asLong()).isZero();
            assertThat(done.path("searchIndex").path("state").asText()).isEqualTo("BUILT");
        }
        assertThat(strings("select pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c on c.oid = i.indexrelid "
                + "where c.relname = 'idx_questions_embedding' and i.indisvalid")).singleElement().asString().contains("USING hnsw");
        assertThat(number("select count(*) from questions where deleted_at is null and (embedding is null "
                + "or embedding_content_hash is distinct from content_hash)")).isZero();
        List<JsonNode> after = fake.requests().subList(Math.min(mark, fake.requests().size()), fake.requests().size());
        Set<String> sentAgain = new HashSet<>();
        for (JsonNode body : after) {
            for (JsonNode item : body.path("requests")) {
                String text = item.path("content").path("parts").path(0).path("text").asText();
                if (committedTexts.contains(text)) {
                    sentAgain.add(text);
                }
            }
        }
        assertThat(sentAgain).as("rows committed before the kill were not embedded again").isEmpty();
    }

    @Test
    void aGracefulStopCommitsOrReleasesTheBatchInHand() throws Exception {
        long id;
        try (ServiceProcess service = new ServiceProcess(env(), ServiceProcess.logFile("sigterm")).start()) {
            seed(800);
            id = startRun(service, "{\"batchSize\":10,\"concurrency\":2}");
            awaitRun(service, id, r -> r.path("succeeded").asLong() >= 100, Duration.ofSeconds(60));
        } // close(): SIGTERM, then the graceful shutdown
        assertThat(number("select count(*) from backfill_items where state = 'LEASED'")).as("no batch left leased").isZero();
        long done = number("select count(*) from backfill_items where state = 'DONE'");
        assertThat(number("select succeeded from backfill_runs where id = " + id)).isEqualTo(done);
        assertThat(number("select count(*) from questions where embedding is not null")).isEqualTo(done);
        // The history's last counts (the batches finished during the shutdown) are written at shutdown.
        assertThat(number("select coalesce(sum(rows), 0) from backfill_history where run_id = " + id)).as("history rows")
                .isEqualTo(done);
        try (ServiceProcess again = new ServiceProcess(env(), ServiceProcess.logFile("sigterm-again")).start()) {
            awaitRun(again, id, r -> "COMPLETED".equals(r.path("status").asText()), Duration.ofSeconds(120));
        }
    }

    @Test
    void twoReplicasShareOneRunWithoutEmbeddingARowTwice() throws Exception {
        try (ServiceProcess a = new ServiceProcess(env(), ServiceProcess.logFile("replica-a")).start();
                ServiceProcess b = new ServiceProcess(env(), ServiceProcess.logFile("replica-b")).start()) {
            seed(1000);
            long id = startRun(a, "{\"batchSize\":10,\"concurrency\":2,\"searchIndex\":\"REBUILD\"}");
            JsonNode done = awaitRun(b, id, r -> "COMPLETED".equals(r.path("status").asText()), Duration.ofSeconds(120));
            assertThat(done.path("succeeded").asLong()).isEqualTo(1000);
            assertThat(done.path("searchIndex").path("state").asText()).as("built once, by one replica").isEqualTo("BUILT");
        }
        Map<String, Integer> embedded = fake.embeddedTexts();
        assertThat(embedded).hasSize(1000);
        assertThat(embedded.values()).as("no row embedded twice").containsOnly(1);
        assertThat(number("select count(distinct split_part(done_by, '/', 1)) from backfill_items"))
                .as("both replicas committed rows").isEqualTo(2);
        assertThat(number("select sum(rows) from backfill_history")).as("both replicas' counts, added up").isEqualTo(1000);
        assertThat(number("select sum(calls) from backfill_history")).as("every request, from either replica")
                .isEqualTo(fake.requests().size());
    }

    // --- helpers -----------------------------------------------------------------------------------

    private long startRun(ServiceProcess service, String body) throws Exception {
        HttpResponse<String> r = http.send(service.request("/api/backfills")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).path("id").asLong();
    }

    private JsonNode awaitRun(ServiceProcess service, long id, Predicate<JsonNode> condition, Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        JsonNode last = null;
        while (Instant.now().isBefore(end)) {
            HttpResponse<String> r = http.send(service.request("/api/backfills/" + id).build(),
                    HttpResponse.BodyHandlers.ofString());
            last = JSON.readTree(r.body());
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not get there in " + timeout + ": " + last);
    }

    private void seed(int n) throws SQLException {
        exec("insert into questions (title, content) select 'Question ' || g, 'How do I fix error ' || g || ' when the "
                + "service starts? It happens on every deploy. ' || md5(g::text) from generate_series(1, " + n + ") g");
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(dbConfig.get("quarkus.datasource.jdbc.url"), dbConfig.get("quarkus.datasource.username"),
                dbConfig.get("quarkus.datasource.password"));
    }

    private void exec(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long number(String sql) throws SQLException {
        return Long.parseLong(strings(sql).get(0));
    }

    private List<String> strings(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
