package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.bedrock.FakeBedrockApi;
import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.openai.FakeOpenAiApi;
import dev.reembed.embedding.voyage.FakeVoyageApi;
import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.ServiceProcess;
import dev.reembed.testing.fake.ProviderFake;

/**
 * Every provider end to end, through the packaged service against its vendor's fake: a backfill of
 * the demo's real questions under the vendor's own fault shapes (its 429 with its headers, a 5xx),
 * one text the vendor refuses, a SIGKILL mid-run and a restart; then every vector is of the target
 * dimension and unit length, the refused text failed alone, and a search for a paraphrase finds its
 * question first. One suite, a case per provider.
 */
class ProvidersIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A provider to test: how to start its fake, the target it embeds at. */
    record Case(String name, FakeFactory fake, String model, int dimensions) {

        /** The service's environment against the fake: its config, and for Bedrock the SDK's own credentials chain. */
        Map<String, String> env(Map<String, String> db, ProviderFake started) {
            Map<String, String> env = ServiceProcess.against(db, started);
            if (started instanceof FakeBedrockApi bedrock) {
                env.remove("REEMBED_BEDROCK_ACCESS_KEY_ID");
                env.remove("REEMBED_BEDROCK_SECRET_ACCESS_KEY");
                env.putAll(bedrock.environment()); // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as in production
            }
            env.put("REEMBED_TARGET_MODEL", model);
            env.put("REEMBED_TARGET_DIMENSIONS", String.valueOf(dimensions));
            return env;
        }

        @Override
        public String toString() {
            return name + " " + model + "@" + dimensions;
        }
    }

    interface FakeFactory {
        ProviderFake start() throws Exception;
    }

    static Stream<Case> providers() {
        return Stream.of(
                new Case("gemini", () -> new FakeGeminiApi().wordVectors(true), "gemini-embedding-001", 1536),
                new Case("gemini", () -> new FakeGeminiApi().wordVectors(true), "gemini-embedding-2", 1536),
                new Case("openai", FakeOpenAiApi::new, "text-embedding-3-small", 1536),
                new Case("voyage", FakeVoyageApi::new, "voyage-3.5", 1024),
                new Case("bedrock-titan", () -> new FakeBedrockApi(FakeBedrockApi.TITAN, 512), FakeBedrockApi.TITAN, 512),
                new Case("bedrock-cohere", () -> new FakeBedrockApi(FakeBedrockApi.COHERE_EN, 1024), FakeBedrockApi.COHERE_EN,
                        1024));
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private ScratchDatabaseResource database;
    private Map<String, String> db;
    private ProviderFake fake;

    @AfterEach
    void tearDown() {
        if (fake != null) {
            fake.close();
        }
        if (database != null) {
            database.stop();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void backfillsRealTextThroughFaultsAndACrashAndFindsTheParaphraseFirst(Case c) throws Exception {
        database = new ScratchDatabaseResource();
        database.init(Map.of());
        db = database.start();
        fake = c.fake().start();
        fake.latency(150);
        Map<String, String> env = c.env(db, fake);
        env.put("REEMBED_BACKFILL_LEASE_DURATION", "3s");
        env.put("REEMBED_BACKFILL_LEASE_RENEWAL", "1s");
        env.put("REEMBED_EMBEDDING_INITIAL_BACKOFF", "50ms");
        env.put("REEMBED_EMBEDDING_MAX_BACKOFF", "500ms");
        String log = c.name() + "-" + c.model().replaceAll("[^a-z0-9.-]", "_");

        List<long[]> seeded;
        long poison;
        int total;
        long id;
        try (ServiceProcess first = new ServiceProcess(env, ServiceProcess.logFile(log + "-first")).start()) {
            seeded = seedDemoQuestions(); // the service made the schema at its start
            poison = seeded.get(17)[0];
            exec("update questions set content = content || ' " + ProviderFake.INVALID_MARKER + "' where id = " + poison);
            total = seeded.size();
            fake.rateLimitNext(2);
            fake.failNext(503, 2);
            id = startRun(first, "{\"batchSize\":5,\"concurrency\":2}");
            awaitRun(first, id, r -> r.path("succeeded").asLong() >= 40, Duration.ofSeconds(90));
            first.kill();
        }
        assertThat(number("select count(*) from questions where embedding is not null")).isBetween(40L, total - 1L);

        try (ServiceProcess second = new ServiceProcess(env, ServiceProcess.logFile(log + "-second")).start()) {
            JsonNode done = awaitRun(second, id, r -> "COMPLETED".equals(r.path("status").asText()), Duration.ofSeconds(180));
            assertThat(done.path("succeeded").asLong()).isEqualTo(total - 1);
            assertThat(done.path("failed").asLong()).isEqualTo(1);
            JsonNode failures = get(second, "/api/backfills/" + id + "/failures");
            assertThat(failures.path("items")).singleElement().satisfies(f -> {
                assertThat(f.path("questionId").asLong()).isEqualTo(poison);
                assertThat(f.path("errorCode").asText()).isEqualTo("INVALID_ARGUMENT");
            });

            // A paraphrase of a stored question, in other words than its own: it comes first.
            long target = seeded.get(0)[0];
            JsonNode hits = post(second, "/api/questions/search",
                    "{\"query\":\"using environment variables in my React app, they are undefined\",\"limit\":5,\"threshold\":0}");
            assertThat(hits.isArray()).as("search answer: %s", hits).isTrue();
            assertThat(hits.get(0).path("id").asLong()).as("first hit of %s", hits).isEqualTo(target);
        }
        assertThat(number("select count(*) from questions where id <> " + poison + " and (embedding is null "
                + "or vector_dims(embedding) <> " + c.dimensions() + " or abs(vector_norm(embedding) - 1) > 1e-4 "
                + "or embedding_model <> '" + c.model() + "')")).isZero();
        assertThat(fake.errorsServed()).containsKeys(429, 503, 400);
    }

    /** demo/questions.json, the demo's fixture of real questions: [id] per row, in file order. */
    private List<long[]> seedDemoQuestions() throws Exception {
        JsonNode fixture = JSON.readTree(new File("demo/questions.json"));
        List<long[]> ids = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "insert into questions (title, content) values (?, ?) returning id")) {
            for (JsonNode q : fixture) {
                ps.setString(1, q.path("title").asText());
                ps.setString(2, q.path("content").asText());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids.add(new long[] {rs.getLong(1)});
                }
            }
        }
        return ids;
    }

    private long startRun(ServiceProcess service, String body) throws Exception {
        HttpResponse<String> r = http.send(service.request("/api/backfills").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).path("id").asLong();
    }

    private JsonNode get(ServiceProcess service, String path) throws Exception {
        return JSON.readTree(http.send(service.request(path).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode post(ServiceProcess service, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(service.request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode awaitRun(ServiceProcess service, long id, Predicate<JsonNode> condition, Duration timeout)
            throws Exception {
        Instant end = Instant.now().plus(timeout);
        JsonNode last = null;
        while (Instant.now().isBefore(end)) {
            last = get(service, "/api/backfills/" + id);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not get there in " + timeout + ": " + last);
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(db.get("quarkus.datasource.jdbc.url"), db.get("quarkus.datasource.username"),
                db.get("quarkus.datasource.password"));
    }

    private void exec(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long number(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
