package dev.reembed.embedding.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.FakeTime;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.ProviderCallListener.Outcome;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.testing.fake.FakeVectors;
import dev.reembed.testing.fake.ProviderFake;

/**
 * The Bedrock provider through the real AWS SDK (SigV4, REST-JSON errors, URLConnection client) against
 * {@link FakeBedrockApi}. Waits go to a {@link FakeTime}: retries and pacing never sleep for real.
 */
class BedrockEmbeddingProviderTest {

    static final ModelRegistry REGISTRY = new ModelRegistry();
    static FakeBedrockApi fake;
    static BedrockRuntimeClient client;

    FakeTime time;
    EmbeddingRateLimiter limiter;
    final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fake = new FakeBedrockApi();
        client = client(FakeBedrockApi.ACCESS_KEY_ID, FakeBedrockApi.SECRET_ACCESS_KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        outcomes.clear();
        time = new FakeTime();
        limiter = new EmbeddingRateLimiter(100_000, 100_000_000, time, time);
    }

    static BedrockRuntimeClient client(String keyId, String secret) {
        return clientFor(fake, keyId, secret);
    }

    /** The real SDK client, pointed at {@code api} and signing with these credentials. */
    static BedrockRuntimeClient clientFor(FakeBedrockApi api, String keyId, String secret) {
        return BedrockClients.create(Region.US_EAST_1, Optional.of(URI.create(api.endpoint())), Duration.ofSeconds(2),
                Duration.ofSeconds(2), StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, secret)));
    }

    BedrockEmbeddingProvider provider(BedrockRuntimeClient c, String model, int dims, int concurrency) {
        ProviderCaller caller = new ProviderCaller(limiter, time, 3, Duration.ofSeconds(1), Duration.ofSeconds(60),
                Duration.ofSeconds(120), () -> 400L, new BedrockErrors(model, "us-east-1"), FakeBedrockApi.SECRET_ACCESS_KEY,
                outcomes::add);
        return new BedrockEmbeddingProvider(c, REGISTRY.validateProvider("bedrock", model, dims), dims,
                new InputLimit(REGISTRY.find(model).orElseThrow().maxInputTokens(), "truncate"), true, concurrency, caller);
    }

    BedrockEmbeddingProvider titan(int dims) {
        return provider(client, FakeBedrockApi.TITAN, dims, 8);
    }

    BedrockEmbeddingProvider cohere() {
        return provider(client, FakeBedrockApi.COHERE_EN, 1024, 8);
    }

    static List<String> texts(int n) {
        return IntStream.range(0, n).mapToObj(i -> "how do I rebuild index " + i + " after the upgrade?").toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {256, 512, 1024})
    void titanEmbedsAtEachAllowedDimensionAsUnitVectorsWithItsOwnTokenCount(int dims) {
        EmbeddingBatch batch = titan(dims).embedQueries(List.of("What is pgvector?"));

        JsonNode body = fake.requests().get(0).body();
        assertThat(fake.requests().get(0).modelId()).isEqualTo("amazon.titan-embed-text-v2:0");
        assertThat(body.path("inputText").asText()).isEqualTo("What is pgvector?");
        assertThat(body.path("dimensions").asInt()).isEqualTo(dims);
        assertThat(body.path("normalize").asBoolean()).isTrue();
        assertThat(body.has("input_type")).isFalse();
        assertThat(batch.vectors()).singleElement().satisfies(v -> {
            assertThat(v).hasSize(dims);
            assertThat(Vectors.norm(v)).isCloseTo(1.0, Offset.offset(1e-6));
        });
        // Titan's inputTextTokenCount, not reembed's estimate.
        assertThat(batch.inputTokens()).isEqualTo(FakeBedrockApi.tokens("What is pgvector?"))
                .isNotEqualTo(TokenEstimator.estimate("What is pgvector?"));
    }

    @Test
    void titanSendsEachTextAsItsOwnInvokeModelConcurrentlyAndAnswersInOrder() {
        List<String> texts = texts(20);
        fake.holdUntilInFlight(8); // the first 8 are answered only once all 8 are in flight together

        EmbeddingBatch batch = titan(512).embedQueries(texts);

        assertThat(fake.requests()).hasSize(20);
        assertThat(fake.maxInFlight()).isEqualTo(8);
        assertThat(outcomes).hasSize(20).containsOnly(Outcome.OK); // each went through the caller (and the limiter)
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.vectors().get(i)).containsExactly(FakeVectors.unit(texts.get(i), 512, "titan"));
        }
        assertThat(batch.inputTokens()).isEqualTo(texts.stream().mapToLong(FakeBedrockApi::tokens).sum());
        assertThat(titan(512).maxItemsPerRequest()).isEqualTo(1);
        assertThat(titan(512).requestsFor(250, 100)).isEqualTo(250);
    }

    @Test
    void everyTitanRequestWaitsForTheSharedLimiter() {
        limiter = new EmbeddingRateLimiter(60, 100_000_000, time, time); // 6 at once, then one a second

        titan(256).embedQueries(texts(20));

        assertThat(fake.successfulRequests()).isEqualTo(20);
        // 14 requests beyond the burst of 6 need 14 s of refill on the (fake) clock, whichever threads wait for it.
        assertThat(time.totalSlept()).isGreaterThanOrEqualTo(Duration.ofSeconds(14));
    }

    @Test
    void titanHasNoDocumentQuerySwitchSoDocumentsAreTitlePrefixedText() {
        BedrockEmbeddingProvider p = titan(1024);
        float[] doc = p.embedDocuments(List.of(new DocumentText("Reindexing", "How do I reindex?"))).vectors().get(0);
        float[] query = p.embedQueries(List.of("Reindexing\n\nHow do I reindex?")).vectors().get(0);

        assertThat(fake.requests().get(0).body().path("inputText").asText()).isEqualTo("Reindexing\n\nHow do I reindex?");
        assertThat(doc).containsExactly(query);
    }

    @Test
    void cohereSendsDocumentsAsSearchDocumentAndQueriesAsSearchQuery() {
        BedrockEmbeddingProvider p = cohere();
        EmbeddingBatch docs = p.embedDocuments(List.of(new DocumentText("Title", "Body"), new DocumentText(null, "Body")));
        EmbeddingBatch queries = p.embedQueries(List.of("Body"));

        JsonNode first = fake.requests().get(0).body();
        assertThat(fake.requests().get(0).modelId()).isEqualTo("cohere.embed-english-v3");
        assertThat(first.path("input_type").asText()).isEqualTo("search_document");
        assertThat(first.path("truncate").asText()).isEqualTo("END");
        assertThat(first.path("texts")).extracting(JsonNode::asText).containsExactly("Title\n\nBody", "Body");
        assertThat(fake.requests().get(1).body().path("input_type").asText()).isEqualTo("search_query");
        assertThat(docs.vectors()).allSatisfy(v -> assertThat(Vectors.norm(v)).isCloseTo(1.0, Offset.offset(1e-6)));
        // Same text, different input_type: Cohere embeds it differently.
        assertThat(Vectors.cosine(docs.vectors().get(1), queries.vectors().get(0))).isLessThan(0.9999);
        // Cohere on Bedrock reports no token count: the estimate.
        assertThat(queries.inputTokens()).isEqualTo(TokenEstimator.estimate("Body"));
    }

    @Test
    void cohereCallOf200TextsIsSplitInto96And96And8KeepingOrder() {
        List<String> texts = texts(200);
        EmbeddingBatch batch = cohere().embedQueries(texts);

        assertThat(fake.requests()).extracting(r -> r.body().path("texts").size()).containsExactlyInAnyOrder(96, 96, 8);
        assertThat(batch.vectors()).hasSize(200);
        for (int i : new int[] {0, 95, 96, 191, 192, 199}) {
            assertThat(batch.vectors().get(i)).containsExactly(
                    Vectors.normalised(FakeVectors.of(texts.get(i), 1024, "search_query"), 1024));
        }
        assertThat(cohere().maxItemsPerRequest()).isEqualTo(96);
    }

    @Test
    void cohereTruncatesA3000CharacterTextInsteadOfBeingRefused() {
        String longText = "word ".repeat(600); // 3000 characters, over Bedrock's 2048 and the 512-token limit

        EmbeddingBatch batch = cohere().embedDocuments(List.of(new DocumentText(null, longText)));

        String sent = fake.requests().get(0).body().path("texts").get(0).asText();
        assertThat(sent.length()).isLessThanOrEqualTo(2048);
        assertThat(longText).startsWith(sent);
        assertThat(batch.vectors()).hasSize(1);
        assertThat(fake.errorsServed()).isEmpty();
    }

    @Test
    void cohereAnswersInTheEmbeddingsByTypeShapeAreReadToo() {
        fake.cohereByType(true);
        EmbeddingBatch batch = cohere().embedQueries(List.of("a", "b"));

        assertThat(batch.vectors()).hasSize(2).allSatisfy(v -> assertThat(v).hasSize(1024));
    }

    @Test
    void throttlingIsRetriedAfterABackoffAndSlowsTheLimiter() {
        limiter = new EmbeddingRateLimiter(600, 1_000_000, 6000, 10_000_000, true, time, time);
        fake.rateLimitNext(2);

        EmbeddingBatch batch = cohere().embedQueries(List.of("q"));

        assertThat(batch.vectors()).hasSize(1);
        assertThat(fake.errorsServed()).containsEntry(429, 2L);
        assertThat(outcomes).containsExactly(Outcome.RATE_LIMITED, Outcome.RATE_LIMITED, Outcome.OK);
        assertThat(time.sleeps()).contains(Duration.ofMillis(400)); // the backoff (jitter fixed at 400 ms)
        assertThat(limiter.currentRequestsPerMinute()).isLessThan(600);
    }

    @Test
    void serverErrorsAreRetriedBoundedly() {
        fake.failNext(503, 1);
        fake.failNext(500, 1);
        assertThat(titan(256).embedQueries(List.of("q")).vectors()).hasSize(1);
        assertThat(fake.errorsServed()).containsEntry(503, 1L).containsEntry(500, 1L);

        fake.failNext(503, 4);
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> titan(256).embedQueries(List.of("q")));
        assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(e.getMessage()).contains("ServiceUnavailableException", "gave up after 4 attempt(s)");
    }

    @Test
    void aValidationExceptionFailsWithThatRequestsItemsAndIsNotRetried() {
        List<String> texts = new ArrayList<>(texts(200));
        texts.set(150, "a text Bedrock refuses " + ProviderFake.INVALID_MARKER);

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> cohere().embedQueries(texts));

        assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(e.itemIndexes()).containsExactlyElementsOf(IntStream.range(96, 192).boxed().toList());
        assertThat(e.getMessage()).contains("ValidationException", "could not be processed");
        assertThat(fake.errorsServed()).containsEntry(400, 1L);

        List<String> titanTexts = new ArrayList<>(texts(10));
        titanTexts.set(7, ProviderFake.INVALID_MARKER);
        EmbeddingException one = catchThrowableOfType(EmbeddingException.class, () -> titan(256).embedQueries(titanTexts));
        assertThat(one.itemIndexes()).containsExactly(7);
    }

    @Test
    void answersOfTheWrongCountOrDimensionAreRejected() {
        fake.answerNextWith("{\"id\":\"x\",\"response_type\":\"embeddings_floats\",\"embeddings\":[[0.1,0.2]],\"texts\":[\"a\"]}");
        EmbeddingException count = catchThrowableOfType(EmbeddingException.class, () -> cohere().embedQueries(List.of("a", "b")));
        assertThat(count.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(count.getMessage()).contains("returned 1 embeddings for 2 inputs");

        fake.answerNextWith("{\"embedding\":[0.1,0.2,0.3],\"inputTextTokenCount\":1}");
        EmbeddingException dims = catchThrowableOfType(EmbeddingException.class, () -> titan(256).embedQueries(List.of("a")));
        assertThat(dims.code()).isEqualTo(Code.BAD_RESPONSE);
        assertThat(dims.itemIndexes()).containsExactly(0);
    }

    @Test
    void modelAccessNotGrantedIsPermissionDeniedSayingWhatToEnable() {
        fake.denyAccess(FakeBedrockApi.COHERE_EN);

        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> cohere().embedQueries(List.of("q")));

        assertThat(e.code()).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(e.getMessage()).contains("cohere.embed-english-v3", "Model access", "us-east-1", "AccessDeniedException");
        assertThat(fake.requests()).hasSize(1);
    }
}
