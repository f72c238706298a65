package dev.reembed.embedding.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
import dev.reembed.embedding.RequestCaps;
import dev.reembed.embedding.LogCapture;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.gemini.FakeGeminiApi.DailyQuota;
import dev.reembed.embedding.gemini.FakeGeminiApi.Latency;
import dev.reembed.embedding.gemini.FakeGeminiApi.MissingEmbedding;
import dev.reembed.embedding.gemini.FakeGeminiApi.RateLimited;
import dev.reembed.embedding.gemini.FakeGeminiApi.ServerError;
import dev.reembed.embedding.gemini.FakeGeminiApi.WrongDimension;
import dev.reembed.embedding.gemini.GeminiDtos.BatchEmbedRequest;
import dev.reembed.embedding.gemini.GeminiDtos.EmbedContentRequest;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.google.GoogleErrors;
import dev.reembed.embedding.call.ProviderHttpException;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Gemini provider through the real Quarkus REST client against {@link FakeGeminiApi}. Waits go
 * to a {@link FakeTime}, so retry delays are asserted exactly and no test sleeps for them.
 */
@QuarkusTest
class GeminiEmbeddingProviderTest {

    static final String MODEL = "gemini-embedding-001";
    static FakeGeminiApi fake;
    static GeminiClient client;

    FakeTime time;

    @BeforeAll
    static void startFake() throws Exception {
        fake = new FakeGeminiApi();
        client = GeminiClients.create(fake.baseUrl(), Duration.ofSeconds(2), Duration.ofSeconds(1));
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

    GeminiEmbeddingProvider provider(String key, int maxRetries, String oversized) {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100_000, 100_000_000, time, time);
        // Jitter source fixed at 400: backoff = 400 ms mod (cap + 1), deterministic.
        ProviderCaller caller = new ProviderCaller(limiter, time, maxRetries, Duration.ofSeconds(1),
                Duration.ofSeconds(60), Duration.ofSeconds(120), () -> 400L, new GoogleErrors(), key, null);
        return new GeminiEmbeddingProvider(client, key, MODEL, 1536, new RequestCaps(100, Long.MAX_VALUE), new InputLimit(2048, oversized), caller);
    }

    GeminiEmbeddingProvider provider() {
        return provider(FakeGeminiApi.KEY, 3, "truncate");
    }

    GeminiEmbeddingProvider provider(String model, int dimensions) {
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(100_000, 100_000_000, time, time);
        ProviderCaller caller = new ProviderCaller(limiter, time, 0, Duration.ofSeconds(1), Duration.ofSeconds(60),
                Duration.ofSeconds(120), () -> 400L, new GoogleErrors(), FakeGeminiApi.KEY, null);
        return new GeminiEmbeddingProvider(client, FakeGeminiApi.KEY, model, dimensions,
                new RequestCaps(100, Long.MAX_VALUE), new InputLimit(8192, "truncate"), caller);
    }

    @Test
    void geminiEmbedding2GetsItsTaskInTheTextAndNoTaskTypeField() {
        // The fake refuses taskType and title for gemini-embedding-2, so sending them would fail here.
        GeminiEmbeddingProvider p = provider("gemini-embedding-2", 3072);
        EmbeddingBatch docs = p.embedDocuments(List.of(new DocumentText("Printer", "It is offline"),
                new DocumentText(null, "Reset my password")));
        EmbeddingBatch query = p.embedQueries(List.of("printer offline"));

        List<JsonNode> items = fake.requests().stream().flatMap(r -> java.util.stream.StreamSupport
                .stream(r.path("requests").spliterator(), false)).toList();
        assertThat(items).extracting(i -> i.path("content").path("parts").get(0).path("text").asText())
                .containsExactly("title: Printer | text: It is offline", "title: none | text: Reset my password",
                        "task: search result | query: printer offline");
        assertThat(items).allSatisfy(i -> assertThat(i.has("taskType") || i.has("title")).isFalse());
        assertThat(items).allSatisfy(i -> assertThat(i.path("model").asText()).isEqualTo("models/gemini-embedding-2"));
        assertThat(docs.vectors()).hasSize(2).allSatisfy(v -> {
            assertThat(v).hasSize(3072);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        });
        assertThat(query.vectors().get(0)).hasSize(3072);
    }

    static List<DocumentText> docs(int n) {
        return IntStream.range(0, n).mapToObj(i -> new DocumentText("Title " + i, "How do I fix error " + i + "?"))
                .toList();
    }

    @Test
    void splitsAt100AndSendsTitleTaskTypeDimensionsAndKey() {
        EmbeddingBatch batch = provider().embedDocuments(docs(250));

        assertThat(fake.requests()).extracting(r -> r.path("requests").size()).containsExactly(100, 100, 50);
        JsonNode first = fake.requests().get(0).path("requests").get(0);
        assertThat(first.path("model").asText()).isEqualTo("models/gemini-embedding-001");
        assertThat(first.path("taskType").asText()).isEqualTo("RETRIEVAL_DOCUMENT");
        assertThat(first.path("title").asText()).isEqualTo("Title 0");
        assertThat(first.path("content").path("parts").get(0).path("text").asText()).isEqualTo("How do I fix error 0?");
        assertThat(first.path("outputDimensionality").asInt()).isEqualTo(1536);
        assertThat(fake.lastKey()).isEqualTo(FakeGeminiApi.KEY);
        assertThat(batch.vectors()).hasSize(250).allSatisfy(v -> {
            assertThat(v).hasSize(1536);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        });
        long expectedTokens = docs(250).stream()
                .mapToLong(d -> TokenEstimator.estimate(d.title()) + TokenEstimator.estimate(d.content())).sum();
        assertThat(batch.inputTokens()).isEqualTo(expectedTokens).isPositive();
    }

    @Test
    void requestsForCountsTheRequestsTheProviderSends() {
        GeminiEmbeddingProvider p = provider();
        p.embedDocuments(docs(150));
        p.embedDocuments(docs(150));
        p.embedDocuments(docs(30));

        // Calls of 150 rows are 100 + 50 each, not 330 / 100 rounded up.
        assertThat(fake.requests()).hasSize(5);
        assertThat(p.requestsFor(330, 150)).isEqualTo(5);
        assertThat(p.requestsFor(0, 150)).isZero();
    }

    @Test
    void queriesAreRetrievalQueryWithoutTitleAndKeepInputOrder() {
        GeminiEmbeddingProvider p = provider();
        EmbeddingBatch both = p.embedQueries(List.of("reset my password", "printer is offline"));
        EmbeddingBatch second = p.embedQueries(List.of("printer is offline"));

        JsonNode item = fake.requests().get(0).path("requests").get(0);
        assertThat(item.path("taskType").asText()).isEqualTo("RETRIEVAL_QUERY");
        assertThat(item.has("title")).isFalse();
        assertThat(both.vectors().get(1)).containsExactly(second.vectors().get(0));
        assertThat(both.vectors().get(0)).isNotEqualTo(both.vectors().get(1));
    }

    @Test
    void fakeRefusesMoreThan100ItemsAsTheApiDoes() {
        List<EmbedContentRequest> items = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            items.add(new EmbedContentRequest("models/" + MODEL, GeminiDtos.Content.of("t" + i), "RETRIEVAL_QUERY",
                    null, 768));
        }
        ProviderHttpException e = catchThrowableOfType(ProviderHttpException.class,
                () -> client.batchEmbedContents(MODEL, FakeGeminiApi.KEY, new BatchEmbedRequest(items)));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.body()).contains("at most 100 requests can be in one batch");
    }

    @Test
    void honoursRetryInfoDelayOf429() {
        fake.enqueue(new RateLimited("37s"), new RateLimited("1.5s"));

        EmbeddingBatch batch = provider().embedQueries(List.of("q"));

        assertThat(batch.vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(3);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(37), Duration.ofMillis(1500));
    }

    @Test
    void backsOffWithJitterWhen429HasNoRetryInfo() {
        fake.enqueue(new RateLimited(null), new RateLimited(null));

        provider().embedQueries(List.of("q"));

        // attempt 0: cap 1000 ms -> 400 % 1001 = 400; attempt 1: cap 2000 ms -> 400.
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(400), Duration.ofMillis(400));
    }

    @Test
    void rateLimitedAfterMaxRetriesIsRetryableWithRetryAfter() {
        fake.enqueue(new RateLimited("2s"), new RateLimited("2s"), new RateLimited("2s"), new RateLimited("2s"));

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider().embedQueries(List.of("q")));

        assertThat(e.code()).isEqualTo(Code.RATE_LIMITED);
        assertThat(e.code().kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(fake.requests()).hasSize(4); // 1 + maxRetries(3)
    }

    @Test
    void perDayQuotaFailsAtOnceWithoutRetrying() {
        fake.enqueue(new DailyQuota());

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider().embedDocuments(docs(3)));

        assertThat(e.code()).isEqualTo(Code.DAILY_QUOTA_EXHAUSTED);
        assertThat(e.code().kind()).isEqualTo(Kind.OPERATOR);
        assertThat(e.getMessage()).contains("EmbedContentRequestsPerDayPerProjectPerModel-FreeTier");
        assertThat(fake.requests()).hasSize(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void invalidArgumentIsNotRetriedAndNamesItsBatch() {
        List<DocumentText> docs = new ArrayList<>(docs(150));
        docs.set(120, new DocumentText("t", "bad " + FakeGeminiApi.INVALID_MARKER));

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> provider().embedDocuments(docs));

        assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(e.code().kind()).isEqualTo(Kind.BAD_INPUT);
        assertThat(e.itemIndexes()).containsExactlyElementsOf(IntStream.range(100, 150).boxed().toList());
        assertThat(fake.requests()).hasSize(2); // first batch fine, second refused once
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void serverErrorsAreRetriedBoundedly() {
        fake.enqueue(new ServerError(503), new ServerError(500));
        assertThat(provider().embedQueries(List.of("q")).vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(3);

        fake.reset();
        fake.enqueue(new ServerError(503), new ServerError(503), new ServerError(504), new ServerError(503));
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider().embedQueries(List.of("q")));
        assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(e.code().kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(fake.requests()).hasSize(4);
    }

    @Test
    void timeoutsAreRetriedThenReported() {
        fake.enqueue(new Latency(1500)); // read timeout is 1 s
        assertThat(provider().embedQueries(List.of("q")).vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(2);

        fake.reset();
        fake.enqueue(new Latency(1500));
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider(FakeGeminiApi.KEY, 0, "truncate").embedQueries(List.of("q")));
        assertThat(e.code()).isEqualTo(Code.TIMEOUT);
        assertThat(e.code().kind()).isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void wrongDimensionAndWrongCountAreRejectedNotRetried() {
        fake.enqueue(new WrongDimension(768));
        EmbeddingException dims = catchThrowableOfType(EmbeddingException.class,
                () -> provider().embedDocuments(docs(2)));
        assertThat(dims.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(dims.getMessage()).contains("768-dimensional").contains("1536");
        assertThat(dims.code().kind()).as("the provider's fault, not the texts': the worker tries them again")
                .isEqualTo(Kind.TRANSIENT);

        fake.enqueue(new MissingEmbedding());
        EmbeddingException count = catchThrowableOfType(EmbeddingException.class,
                () -> provider().embedDocuments(docs(2)));
        assertThat(count.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(count.getMessage()).contains("returned 1 embeddings for 2 inputs");
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void oversizedTextIsTruncatedBeforeSendingOrRejectedPerConfig() {
        String longText = "word ".repeat(4000); // 20,000 chars, well over 2,048 tokens
        provider().embedQueries(List.of(longText));
        String sent = fake.requests().get(0).path("requests").get(0).path("content").path("parts").get(0)
                .path("text").asText();
        assertThat(sent).isNotEmpty().hasSizeLessThan(longText.length());
        assertThat(TokenEstimator.estimate(sent)).isLessThanOrEqualTo(2048);

        fake.reset();
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider(FakeGeminiApi.KEY, 3, "reject").embedQueries(List.of("short", longText)));
        assertThat(e.code()).isEqualTo(Code.INPUT_TOO_LONG);
        assertThat(e.itemIndexes()).containsExactly(1);
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void badKeyFailsFastAndTheKeyNeverAppearsInLogsOrErrors() {
        String wrongKey = "AIzaWRONG-secret-key-should-never-leak";
        List<String> messages = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            EmbeddingException bad = catchThrowableOfType(EmbeddingException.class,
                    () -> provider(wrongKey, 3, "truncate").embedQueries(List.of("q")));
            assertThat(bad.code()).isEqualTo(Code.UNAUTHENTICATED);
            assertThat(fake.requests()).hasSize(1);
            messages.add(bad.getMessage());
            messages.add(bad.toString());

            // Paths that log: retries after 429, 5xx and a timeout, then failures.
            fake.enqueue(new RateLimited("1s"), new ServerError(503), new Latency(1500));
            provider().embedQueries(List.of("q"));
            fake.enqueue(new ServerError(503), new ServerError(503), new ServerError(503), new ServerError(503));
            messages.add(catchThrowableOfType(EmbeddingException.class,
                    () -> provider().embedQueries(List.of("q"))).getMessage());
            fake.enqueue(new DailyQuota());
            messages.add(catchThrowableOfType(EmbeddingException.class,
                    () -> provider().embedQueries(List.of("q"))).getMessage());
            messages.add(provider(wrongKey, 3, "truncate").toString());

            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("rate limited"));
            assertThat(logs.all()).doesNotContain(wrongKey).doesNotContain(FakeGeminiApi.KEY);
        }
        assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain(wrongKey).doesNotContain(FakeGeminiApi.KEY));

        // Missing key: the fake answers 403 as Google does.
        assertThatThrownBy(() -> provider("", 3, "truncate").embedQueries(List.of("q")))
                .isInstanceOfSatisfying(EmbeddingException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.PERMISSION_DENIED));
    }
}
