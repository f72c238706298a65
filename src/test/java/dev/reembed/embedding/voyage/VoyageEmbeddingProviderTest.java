package dev.reembed.embedding.voyage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingException.Kind;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.FakeTime;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.LogCapture;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.ModelSpec;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.call.RestClients;
import dev.reembed.testing.fake.FakeHttpApi.Latency;
import dev.reembed.testing.fake.FakeHttpApi.MissingEmbedding;
import dev.reembed.testing.fake.FakeHttpApi.RateLimited;
import dev.reembed.testing.fake.FakeVectors;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Voyage provider through the real Quarkus REST client (so @QuarkusTest) against
 * {@link FakeVoyageApi}; retries and the limiter wait on a {@link FakeTime}.
 */
@QuarkusTest
class VoyageEmbeddingProviderTest {

    static final ModelRegistry REGISTRY = new ModelRegistry();
    static FakeVoyageApi fake;
    static VoyageClient client;

    FakeTime time;

    @BeforeAll
    static void startFake() throws Exception {
        fake = new FakeVoyageApi();
        client = RestClients.create(VoyageClient.class, fake.baseUrl(), Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        time = new FakeTime();
    }

    VoyageEmbeddingProvider provider(String model, int dims, String key, int maxRetries) {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100_000, 100_000_000, time, time);
        // Jitter source fixed at 400: backoff = 400 ms mod (cap + 1), deterministic.
        ProviderCaller caller = new ProviderCaller(limiter, time, maxRetries, Duration.ofSeconds(1),
                Duration.ofSeconds(60), Duration.ofSeconds(120), () -> 400L, new VoyageErrors(), key, null);
        ModelSpec spec = REGISTRY.find(model).orElseThrow();
        return new VoyageEmbeddingProvider(client, key, spec, dims, 1000, new InputLimit(spec.maxInputTokens(), "truncate"),
                caller);
    }

    VoyageEmbeddingProvider provider(String model, int dims) {
        return provider(model, dims, FakeVoyageApi.KEY, 3);
    }

    static List<String> queries(int n) {
        return IntStream.range(0, n).mapToObj(i -> "how do I fix error " + i).toList();
    }

    @Test
    void documentsGoAsInputTypeDocumentWithTheTitleAndQueriesAsInputTypeQuery() {
        VoyageEmbeddingProvider p = provider("voyage-4", 1024);
        EmbeddingBatch doc = p.embedDocuments(List.of(new DocumentText("Printer", "It is offline")));
        EmbeddingBatch query = p.embedQueries(List.of("Printer\n\nIt is offline"));

        JsonNode sentDoc = fake.requests().get(0);
        assertThat(sentDoc.path("input_type").asText()).isEqualTo("document");
        assertThat(sentDoc.path("input").get(0).asText()).isEqualTo("Printer\n\nIt is offline");
        assertThat(sentDoc.path("model").asText()).isEqualTo("voyage-4");
        assertThat(sentDoc.path("truncation").asBoolean()).isTrue();
        assertThat(fake.requests().get(1).path("input_type").asText()).isEqualTo("query");
        assertThat(fake.lastAuthorization()).isEqualTo("Bearer " + FakeVoyageApi.KEY);
        // Same text, other input_type: Voyage embeds it with another prompt, so another vector.
        assertThat(Vectors.cosine(doc.vectors().get(0), query.vectors().get(0))).isLessThan(0.999);
        assertThat(doc.vectors().get(0)).containsExactly(
                FakeVectors.unit("Printer\n\nIt is offline", 1024, "voyage-4|document"), within(1e-6f));
    }

    @Test
    void everyVectorIsUnitLengthAtTheTargetDimensionAndOutputDimensionGoesToFlexibleModelsOnly() {
        EmbeddingBatch reduced = provider("voyage-4-lite", 256).embedQueries(queries(3));
        EmbeddingBatch law = provider("voyage-law-2", 1024).embedQueries(queries(3));

        assertThat(fake.requests().get(0).path("output_dimension").asInt()).isEqualTo(256);
        assertThat(fake.requests().get(1).has("output_dimension")).as("fixed-dimension model").isFalse();
        assertThat(reduced.vectors()).hasSize(3).allSatisfy(v -> {
            assertThat(v).hasSize(256);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, within(1e-6));
        });
        assertThat(law.vectors()).hasSize(3).allSatisfy(v -> {
            assertThat(v).hasSize(1024);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, within(1e-6));
        });
        assertThat(fake.errorsServed()).isEmpty();
    }

    @Test
    void aCallOverThe1000TextCapIsSplitAndKeepsInputOrder() {
        List<String> texts = queries(2500);
        EmbeddingBatch batch = provider("voyage-4", 256).embedQueries(texts);

        assertThat(fake.requests()).extracting(r -> r.path("input").size()).containsExactly(1000, 1000, 500);
        assertThat(fake.errorsServed()).isEmpty();
        for (int i = 0; i < texts.size(); i += 83) {
            assertThat(batch.vectors().get(i)).containsExactly(FakeVectors.unit(texts.get(i), 256, "voyage-4|query"),
                    within(1e-6f));
        }
    }

    @Test
    void aCallOverTheModelsTokenCapIsSplitAndNoRequestIsRefused() {
        // voyage-4-large: 120K tokens per request; 30,000-token texts go 4 to a request.
        List<String> texts = IntStream.range(0, 10)
                .mapToObj(i -> ("doc " + i + " " + "lorem ipsum ".repeat(8000)).substring(0, 90_000)).toList();
        assertThat(TokenEstimator.estimate(texts.get(0))).isEqualTo(30_000);

        EmbeddingBatch batch = provider("voyage-4-large", 256).embedQueries(texts);

        assertThat(fake.requests()).extracting(r -> r.path("input").size()).containsExactly(4, 4, 2);
        assertThat(fake.errorsServed()).isEmpty();
        assertThat(batch.vectors()).hasSize(10);
        assertThat(batch.inputTokens()).isEqualTo(300_000);
    }

    @Test
    void aRefusedRequestFailsOnceWithTheItemIndexesOfThatRequest() {
        List<String> texts = new ArrayList<>(queries(1500));
        texts.set(1200, "bad " + FakeVoyageApi.INVALID_MARKER);

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider("voyage-4", 256).embedQueries(texts));

        assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(e.code().kind()).isEqualTo(Kind.BAD_INPUT);
        assertThat(e.itemIndexes()).containsExactlyElementsOf(IntStream.range(1000, 1500).boxed().toList());
        assertThat(e.getMessage()).contains("HTTP 400: Input text at index 200 could not be processed.");
        assertThat(fake.requests()).hasSize(2);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void a429IsRetriedAfterABackoffOrTheRetryAfterWhenOneIsSent() {
        fake.rateLimitNext(2); // Voyage documents no Retry-After: backoff
        assertThat(provider("voyage-4", 256).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(400), Duration.ofMillis(400));

        time = new FakeTime();
        fake.enqueue(new RateLimited(Duration.ofSeconds(3)));
        assertThat(provider("voyage-4", 256).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(3));
        assertThat(fake.errorsServed()).containsEntry(429, 3L);
    }

    @Test
    void serverErrorsAndTimeoutsAreRetriedBoundedly() {
        fake.failNext(500, 1);
        fake.failNext(502, 1); // a gateway's HTML page
        fake.failNext(503, 1);
        assertThat(provider("voyage-4", 256).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(4);

        fake.reset();
        fake.down(502);
        EmbeddingException down = catchThrowableOfType(EmbeddingException.class,
                () -> provider("voyage-4", 256).embedQueries(queries(1)));
        assertThat(down.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(down.getMessage()).contains("HTTP 502: 502 Bad Gateway").doesNotContain("<html>");
        assertThat(fake.requests()).hasSize(4);

        fake.reset();
        fake.failNext(504, 1);
        assertThat(catchThrowableOfType(EmbeddingException.class,
                () -> provider("voyage-4", 256, FakeVoyageApi.KEY, 0).embedQueries(queries(1))).code())
                .isEqualTo(Code.TIMEOUT);

        fake.reset();
        fake.enqueue(new Latency(1500)); // the client's read timeout is 1 s
        assertThat(provider("voyage-4", 256).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void aMissingVectorIsABadResponse() {
        fake.enqueue(new MissingEmbedding());
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider("voyage-4", 256).embedQueries(queries(2)));
        assertThat(e.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(e.getMessage()).contains("returned 1 embeddings for 2 inputs");
    }

    @Test
    void aBadKeyIsUnauthenticatedAndNoKeyAppearsInAnyMessageOrLog() {
        String wrongKey = "pa-WRONGsecret-should-never-leak-1234";
        List<String> messages = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            EmbeddingException bad = catchThrowableOfType(EmbeddingException.class,
                    () -> provider("voyage-4", 256, wrongKey, 3).embedQueries(queries(1)));
            assertThat(bad.code()).isEqualTo(Code.UNAUTHENTICATED);
            assertThat(bad.getMessage()).contains("HTTP 401: Provided API key is invalid.");
            assertThat(fake.requests()).hasSize(1);
            messages.add(bad.getMessage());
            messages.add(bad.toString());

            fake.rateLimitNext(1);
            fake.failNext(503, 1);
            provider("voyage-4", 256).embedQueries(queries(1));
            messages.add(provider("voyage-4", 256, wrongKey, 3).toString());

            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("rate limited"));
            assertThat(logs.all()).doesNotContain(wrongKey).doesNotContain(FakeVoyageApi.KEY);
        }
        assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain(wrongKey).doesNotContain(FakeVoyageApi.KEY));
    }

    @Test
    void theTokenCountIsVoyagesUsageTotalTokensNotTheEstimate() {
        fake.tokenizer(text -> 7);
        assertThat(provider("voyage-4", 256).embedDocuments(List.of(new DocumentText("t", "a"),
                new DocumentText(null, "b"))).inputTokens()).isEqualTo(14);
    }
}
