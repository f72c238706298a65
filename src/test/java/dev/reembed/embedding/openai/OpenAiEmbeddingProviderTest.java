package dev.reembed.embedding.openai;

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
import dev.reembed.embedding.openai.FakeOpenAiApi.InsufficientQuota;
import dev.reembed.testing.fake.FakeHttpApi.Latency;
import dev.reembed.testing.fake.FakeHttpApi.MissingEmbedding;
import dev.reembed.testing.fake.FakeHttpApi.RateLimited;
import dev.reembed.testing.fake.FakeHttpApi.WrongDimension;
import dev.reembed.testing.fake.FakeVectors;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAI provider through the real Quarkus REST client (hence @QuarkusTest: it is built only
 * inside a running application) against {@link FakeOpenAiApi}. The limiter and the retries wait on a
 * {@link FakeTime}, and so does the fake's quota, so waits are asserted exactly and nothing sleeps.
 */
@QuarkusTest
class OpenAiEmbeddingProviderTest {

    static final String SMALL = "text-embedding-3-small";
    static final ModelRegistry REGISTRY = new ModelRegistry();
    static FakeOpenAiApi fake;
    static OpenAiClient client;

    FakeTime time;

    @BeforeAll
    static void startFake() throws Exception {
        fake = new FakeOpenAiApi();
        client = RestClients.create(OpenAiClient.class, fake.baseUrl(), Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        time = new FakeTime();
        fake.clock(time::currentTimeNanos);
    }

    EmbeddingRateLimiter fixedLimiter() {
        return new EmbeddingRateLimiter(100_000, 100_000_000, time, time);
    }

    OpenAiEmbeddingProvider provider(String model, int dims, String key, EmbeddingRateLimiter limiter, int maxRetries) {
        // Jitter source fixed at 400: backoff = 400 ms mod (cap + 1), deterministic.
        ProviderCaller caller = new ProviderCaller(limiter, time, maxRetries, Duration.ofSeconds(1),
                Duration.ofSeconds(60), Duration.ofSeconds(120), () -> 400L, new OpenAiErrors(), key, null);
        ModelSpec spec = REGISTRY.find(model).orElseThrow();
        return new OpenAiEmbeddingProvider(client, key, spec, dims, 2048, new InputLimit(spec.maxInputTokens(), "truncate"),
                caller);
    }

    OpenAiEmbeddingProvider provider(String model, int dims) {
        return provider(model, dims, FakeOpenAiApi.KEY, fixedLimiter(), 3);
    }

    static java.util.Set<String> fieldNames(JsonNode n) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static List<String> queries(int n) {
        return IntStream.range(0, n).mapToObj(i -> "how do I fix error " + i).toList();
    }

    @Test
    void documentsAreTitlePrefixedAndQueriesAreEmbeddedTheSameWayForOpenAiHasNoInputType() {
        OpenAiEmbeddingProvider p = provider(SMALL, 1536);
        EmbeddingBatch doc = p.embedDocuments(List.of(new DocumentText("Printer", "It is offline"),
                new DocumentText(null, "No title here")));
        EmbeddingBatch query = p.embedQueries(List.of("Printer\n\nIt is offline"));

        JsonNode sent = fake.requests().get(0);
        assertThat(sent.path("input").get(0).asText()).isEqualTo("Printer\n\nIt is offline");
        assertThat(sent.path("input").get(1).asText()).isEqualTo("No title here");
        assertThat(sent.path("model").asText()).isEqualTo(SMALL);
        assertThat(sent.path("encoding_format").asText()).isEqualTo("float");
        assertThat(sent.path("dimensions").asInt()).isEqualTo(1536);
        assertThat(sent.has("input_type")).isFalse();
        assertThat(fieldNames(fake.requests().get(1))).as("a query request has the same fields")
                .isEqualTo(fieldNames(sent));
        assertThat(fake.lastAuthorization()).isEqualTo("Bearer " + FakeOpenAiApi.KEY);
        assertThat(query.vectors().get(0)).containsExactly(doc.vectors().get(0));
    }

    @Test
    void everyVectorIsUnitLengthAtTheTargetDimensionAndDimensionsGoesToV3ModelsOnly() {
        EmbeddingBatch reduced = provider(SMALL, 512).embedQueries(queries(3));
        EmbeddingBatch ada = provider("text-embedding-ada-002", 1536).embedQueries(queries(3));

        assertThat(fake.requests().get(0).path("dimensions").asInt()).isEqualTo(512);
        assertThat(fake.requests().get(1).has("dimensions")).as("ada-002 refuses the field").isFalse();
        assertThat(reduced.vectors()).hasSize(3).allSatisfy(v -> {
            assertThat(v).hasSize(512);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, within(1e-6));
        });
        assertThat(ada.vectors()).hasSize(3).allSatisfy(v -> {
            assertThat(v).hasSize(1536);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, within(1e-6));
        });
        assertThat(fake.errorsServed()).isEmpty();
    }

    @Test
    void aCallOverTheInputCapIsSplitAndEveryVectorGoesBackToItsInput() {
        List<String> texts = queries(5000);
        EmbeddingBatch batch = provider(SMALL, 8).embedQueries(texts);

        assertThat(fake.requests()).extracting(r -> r.path("input").size()).containsExactly(2048, 2048, 904);
        assertThat(fake.errorsServed()).isEmpty();
        // The fake answers every request in a shuffled order: only data[].index says which input a vector is.
        for (int i = 0; i < texts.size(); i += 97) {
            assertThat(batch.vectors().get(i)).containsExactly(FakeVectors.unit(texts.get(i), 8, SMALL), within(1e-6f));
        }
        assertThat(batch.vectors()).hasSize(5000);
    }

    @Test
    void aCallOverThe300kTokenCapIsSplitAndNoRequestIsRefused() {
        List<String> texts = IntStream.range(0, 80)
                .mapToObj(i -> ("doc " + i + " " + "lorem ipsum ".repeat(2000)).substring(0, 24_000)).toList();
        assertThat(TokenEstimator.estimate(texts.get(0))).isEqualTo(8000);

        EmbeddingBatch batch = provider(SMALL, 8).embedQueries(texts);

        assertThat(fake.requests()).extracting(r -> r.path("input").size()).containsExactly(37, 37, 6);
        assertThat(fake.errorsServed()).isEmpty();
        assertThat(batch.inputTokens()).isEqualTo(80 * 8000L);
        assertThat(batch.vectors().get(79)).containsExactly(FakeVectors.unit(texts.get(79), 8, SMALL), within(1e-6f));
    }

    @Test
    void aRefusedRequestFailsOnceWithTheItemIndexesOfThatRequest() {
        List<String> texts = new ArrayList<>(queries(3000));
        texts.set(2500, "bad " + FakeOpenAiApi.INVALID_MARKER);

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8).embedQueries(texts));

        assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(e.code().kind()).isEqualTo(Kind.BAD_INPUT);
        assertThat(e.itemIndexes()).containsExactlyElementsOf(IntStream.range(2048, 3000).boxed().toList());
        assertThat(e.getMessage()).contains("'$.input' is invalid");
        assertThat(fake.requests()).hasSize(2);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void a429IsRetriedAfterItsRetryAfterOrElseAfterTheResetOfTheSpentBudget() {
        fake.enqueue(new RateLimited(Duration.ofSeconds(7)));
        assertThat(provider(SMALL, 8).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(7));

        fake.reset();
        time = new FakeTime();
        fake.rateLimitNext(1); // no retry-after: x-ratelimit-remaining-requests 0, reset-requests 200ms
        assertThat(provider(SMALL, 8).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(200));
        assertThat(fake.errorsServed()).containsEntry(429, 1L);
    }

    @Test
    void theLimiterHoldsOffWhenTheHeadersSayTheRequestBudgetIsSpentSoTheQuotaIsNeverExceeded() {
        fake.quota(2, 1_000_000);
        OpenAiEmbeddingProvider p = provider(SMALL, 8);

        for (int i = 0; i < 3; i++) {
            p.embedQueries(List.of("question " + i));
        }

        assertThat(fake.errorsServed()).as("no 429: the 2nd answer said 0 left, reset in 60s").isEmpty();
        assertThat(fake.successfulRequests()).isEqualTo(3);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(60));
    }

    @Test
    void overTheTokenQuotaTheFakeAnswers429AndTheCallWaitsItsRetryAfter() {
        fake.quota(1000, 1000);
        OpenAiEmbeddingProvider p = provider(SMALL, 8);
        String text = "t".repeat(2400); // 800 tokens
        p.embedQueries(List.of(text));

        EmbeddingBatch second = p.embedQueries(List.of(text + "2"));

        assertThat(second.vectors()).hasSize(1);
        assertThat(fake.errorsServed()).containsExactly(org.assertj.core.api.Assertions.entry(429, 1L));
        // 801 tokens wanted, 200 left, 1000 a minute: 601/1000 of a minute = 36.06 s, sent as retry-after: 37
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(37));
    }

    @Test
    void insufficientQuotaStopsAtOnceForRetryingCannotHelp() {
        fake.insufficientQuotaNext();
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8).embedQueries(queries(2)));

        assertThat(e.code()).isEqualTo(Code.DAILY_QUOTA_EXHAUSTED);
        assertThat(e.code().kind()).isEqualTo(Kind.OPERATOR);
        assertThat(e.getMessage()).contains("insufficient_quota").contains("retrying cannot help")
                .contains("You exceeded your current quota");
        assertThat(e.itemIndexes()).containsExactly(0, 1);
        assertThat(fake.requests()).hasSize(1);
        assertThat(time.sleeps()).isEmpty();

        fake.enqueue(new InsufficientQuota("project_spend_limit_exceeded"));
        EmbeddingException spend = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8).embedQueries(queries(1)));
        assertThat(spend.code()).isEqualTo(Code.DAILY_QUOTA_EXHAUSTED);
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void serverErrorsAndTimeoutsAreRetriedBoundedly() {
        fake.failNext(503, 1);
        fake.failNext(500, 1);
        fake.failNext(502, 1);
        assertThat(provider(SMALL, 8).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(4);

        fake.reset();
        fake.down(503);
        EmbeddingException down = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8).embedQueries(queries(1)));
        assertThat(down.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(down.getMessage()).contains("The engine is currently overloaded").contains("gave up after 4");
        assertThat(fake.requests()).hasSize(4);

        fake.reset();
        fake.failNext(504, 1);
        EmbeddingException timeout = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8, FakeOpenAiApi.KEY, fixedLimiter(), 0).embedQueries(queries(1)));
        assertThat(timeout.code()).isEqualTo(Code.TIMEOUT);

        fake.reset();
        fake.enqueue(new Latency(1500)); // the client's read timeout is 1 s
        assertThat(provider(SMALL, 8).embedQueries(queries(1)).vectors()).hasSize(1);
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void aWrongDimensionOrAMissingVectorIsABadResponseAndNothingIsReturned() {
        fake.enqueue(new WrongDimension(7));
        EmbeddingException dims = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8).embedQueries(queries(2)));
        assertThat(dims.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(dims.getMessage()).contains("7-dimensional").contains("8 were asked for");

        fake.enqueue(new MissingEmbedding());
        EmbeddingException count = catchThrowableOfType(EmbeddingException.class,
                () -> provider(SMALL, 8).embedQueries(queries(2)));
        assertThat(count.getMessage()).contains("returned 1 embeddings for 2 inputs");
        assertThat(count.itemIndexes()).containsExactly(0, 1);
    }

    @Test
    void aBadKeyIsUnauthenticatedAndNoKeyAppearsInAnyMessageOrLog() {
        String wrongKey = "sk-WRONGsecret-should-never-leak-9876";
        List<String> messages = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            EmbeddingException bad = catchThrowableOfType(EmbeddingException.class,
                    () -> provider(SMALL, 8, wrongKey, fixedLimiter(), 3).embedQueries(queries(1)));
            assertThat(bad.code()).isEqualTo(Code.UNAUTHENTICATED);
            assertThat(bad.getMessage()).contains("Incorrect API key provided");
            assertThat(fake.requests()).hasSize(1);
            messages.add(bad.getMessage());
            messages.add(bad.toString());

            // Paths that log: retries after 429, 5xx and a timeout; then failures.
            fake.enqueue(new RateLimited(Duration.ofSeconds(1)), new Latency(1500));
            fake.failNext(503, 1);
            provider(SMALL, 8).embedQueries(queries(1));
            fake.insufficientQuotaNext();
            messages.add(catchThrowableOfType(EmbeddingException.class,
                    () -> provider(SMALL, 8).embedQueries(queries(1))).getMessage());
            messages.add(provider(SMALL, 8, wrongKey, fixedLimiter(), 3).toString());

            assertThat(logs.lines()).anySatisfy(l -> assertThat(l).contains("rate limited"));
            assertThat(logs.all()).doesNotContain(wrongKey).doesNotContain(FakeOpenAiApi.KEY).doesNotContain("sk-WRON");
        }
        // OpenAI quotes the key's start and end in its 401 message; that is cut too.
        assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain(wrongKey).doesNotContain(FakeOpenAiApi.KEY)
                .doesNotContain("sk-WRON").doesNotContain("9876"));
    }

    @Test
    void theQuotaHeadersOfA200SetTheAdaptiveLimiter() {
        fake.quota(3000, 1_000_000);
        EmbeddingRateLimiter adaptive = new EmbeddingRateLimiter(100, 30_000, 10_000, 10_000_000, true, time, time);

        provider(SMALL, 8, FakeOpenAiApi.KEY, adaptive, 3).embedQueries(queries(1));

        assertThat(adaptive.currentRequestsPerMinute()).isEqualTo(3000);
        assertThat(adaptive.currentTokensPerMinute()).isEqualTo(1_000_000); // each stated limit as it is
    }

    @Test
    void theTokenCountIsOpenAisUsagePromptTokensNotTheEstimate() {
        fake.tokenizer(text -> 5);
        assertThat(provider(SMALL, 8).embedQueries(queries(3)).inputTokens()).isEqualTo(15);
    }
}
