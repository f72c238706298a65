package dev.reembed.embedding.vertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.offset;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.FakeTime;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.google.GoogleErrors;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Vertex provider against a small fake of :predict that enforces what gemini-embedding-001
 * does (one instance per request, bearer token, outputDimensionality). Real Vertex AI and
 * application default credentials are not reachable offline and are not tested.
 */
@QuarkusTest
class VertexEmbeddingProviderTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "ya29.fake-access-token";
    static HttpServer server;
    static final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    static final List<String> paths = new CopyOnWriteArrayList<>();
    static final Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
    static volatile Integer wrongDims;

    FakeTime time;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", VertexEmbeddingProviderTest::handle);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @BeforeEach
    void reset() {
        bodies.clear();
        paths.clear();
        statuses.clear();
        wrongDims = null;
        time = new FakeTime();
    }

    static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            bodies.add(body);
            paths.add(ex.getRequestURI().getPath());
            Integer status = statuses.poll();
            if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\",\"message\":\"Request had invalid authentication credentials.\"}}");
            } else if (status != null && status == 429) {
                send(ex, 429, "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"Quota exceeded\","
                        + "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"4s\"}]}}");
            } else if (body.path("instances").size() != 1) {
                send(ex, 400, "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\",\"message\":\"Only one instance is allowed per request.\"}}");
            } else {
                int dims = wrongDims != null ? wrongDims : body.path("parameters").path("outputDimensionality").asInt(3072);
                String text = body.path("instances").get(0).path("content").asText();
                Random r = new Random(text.hashCode());
                ArrayNode values = JSON.createArrayNode();
                for (int i = 0; i < dims; i++) {
                    values.add(r.nextGaussian() * 0.3 + 0.02);
                }
                ObjectNode embeddings = JSON.createObjectNode();
                embeddings.set("values", values);
                embeddings.set("statistics", JSON.createObjectNode().put("token_count", 7).put("truncated", false));
                ObjectNode prediction = JSON.createObjectNode();
                prediction.set("embeddings", embeddings);
                ObjectNode answer = JSON.createObjectNode();
                answer.set("predictions", JSON.createArrayNode().add(prediction));
                send(ex, 200, JSON.writeValueAsString(answer));
            }
        }
    }

    static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    VertexEmbeddingProvider provider(String token) {
        VertexClient client = VertexClients.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        ProviderCaller caller = new ProviderCaller(new EmbeddingRateLimiter(10_000, 10_000_000, time, time), time,
                3, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(120), () -> 0L, new GoogleErrors(), token, null);
        return new VertexEmbeddingProvider(client, () -> token, "my-project", "europe-west4", "gemini-embedding-001",
                1536, false, new InputLimit(2048, "truncate"), caller);
    }

    @Test
    void sendsOneInstancePerRequestWithTaskTypeTitleAndDimensions() {
        EmbeddingBatch batch = provider(TOKEN).embedDocuments(List.of(new DocumentText("T1", "C1"),
                new DocumentText(null, "C2"), new DocumentText("T3", "C3")));

        assertThat(bodies).hasSize(3);
        assertThat(provider(TOKEN).requestsFor(3, 100)).as("the backfill estimate's count").isEqualTo(3);
        assertThat(paths).allSatisfy(p -> assertThat(p).isEqualTo(
                "/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-embedding-001:predict"));
        JsonNode first = bodies.get(0);
        assertThat(first.path("instances").get(0).path("content").asText()).isEqualTo("C1");
        assertThat(first.path("instances").get(0).path("task_type").asText()).isEqualTo("RETRIEVAL_DOCUMENT");
        assertThat(first.path("instances").get(0).path("title").asText()).isEqualTo("T1");
        assertThat(bodies.get(1).path("instances").get(0).has("title")).isFalse();
        assertThat(first.path("parameters").path("outputDimensionality").asInt()).isEqualTo(1536);
        assertThat(first.path("parameters").path("autoTruncate").asBoolean(true)).isFalse();
        assertThat(batch.vectors()).hasSize(3).allSatisfy(v -> {
            assertThat(v).hasSize(1536);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, offset(1e-6));
        });
        assertThat(batch.inputTokens()).isEqualTo(21); // Vertex's token_count, 7 each
    }

    @Test
    void queriesUseRetrievalQueryAnd429RetryDelayIsHonoured() {
        statuses.add(429);
        EmbeddingBatch batch = provider(TOKEN).embedQueries(List.of("how to reset"));

        assertThat(batch.vectors()).hasSize(1);
        assertThat(bodies.get(1).path("instances").get(0).path("task_type").asText()).isEqualTo("RETRIEVAL_QUERY");
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(4));
    }

    @Test
    void badCredentialsAndWrongDimensionsFail() {
        EmbeddingException auth = catchThrowableOfType(EmbeddingException.class,
                () -> provider("expired").embedQueries(List.of("q")));
        assertThat(auth.code()).isEqualTo(Code.UNAUTHENTICATED);
        assertThat(auth.getMessage()).doesNotContain("expired");

        wrongDims = 3072;
        EmbeddingException dims = catchThrowableOfType(EmbeddingException.class,
                () -> provider(TOKEN).embedQueries(List.of("q")));
        assertThat(dims.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(dims.itemIndexes()).containsExactly(0);
    }
}
