package dev.reembed.embedding.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.FakeTime;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.LogCapture;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.ProviderCaller;

/**
 * What the AWS SDK makes of Bedrock's error answers (as the fake sends them), how reembed reads them,
 * and the configuration it refuses.
 */
class BedrockErrorsTest {

    static FakeBedrockApi fake;
    static BedrockRuntimeClient client;
    final BedrockErrors errors = new BedrockErrors(FakeBedrockApi.TITAN, "us-east-1");

    @BeforeAll
    static void start() throws Exception {
        fake = new FakeBedrockApi();
        client = BedrockEmbeddingProviderTest.clientFor(fake, FakeBedrockApi.ACCESS_KEY_ID, FakeBedrockApi.SECRET_ACCESS_KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    RuntimeException invoke(BedrockRuntimeClient c, String model, String body) {
        return catchThrowableOfType(RuntimeException.class, () -> c.invokeModel(r -> r.modelId(model)
                .contentType("application/json").accept("application/json").body(SdkBytes.fromUtf8String(body))));
    }

    RuntimeException invoke(String body) {
        return invoke(client, FakeBedrockApi.TITAN, body);
    }

    @Test
    void theSdkRaisesBedrocksModelledExceptionsFromTheErrorTypeHeader() {
        String ok = "{\"inputText\":\"hi\"}";
        fake.enqueue(FakeBedrockApi.Fault.of(429), FakeBedrockApi.Fault.of(503), FakeBedrockApi.Fault.of(500),
                FakeBedrockApi.Fault.of(408), FakeBedrockApi.Fault.of(424));
        assertThat(invoke(ok)).isInstanceOf(ThrottlingException.class);
        assertThat(invoke(ok)).isInstanceOf(ServiceUnavailableException.class);
        assertThat(invoke(ok)).isInstanceOf(InternalServerException.class);
        assertThat(invoke(ok)).isInstanceOf(ModelTimeoutException.class);
        assertThat(invoke(ok)).isInstanceOf(ModelErrorException.class);

        RuntimeException invalid = invoke("{\"inputText\":\"hi\",\"dimensions\":300}");
        assertThat(invalid).isInstanceOf(ValidationException.class);
        AwsServiceException aws = (AwsServiceException) invalid;
        assertThat(aws.statusCode()).isEqualTo(400);
        assertThat(aws.awsErrorDetails().errorCode()).isEqualTo("ValidationException"); // the coral URL tail is cut off
        assertThat(aws.awsErrorDetails().errorMessage()).contains("#/dimensions: 300 is not a valid enum value");

        assertThat(invoke(client, "amazon.titan-embed-text-v9:0", ok)).isInstanceOf(ResourceNotFoundException.class);
        fake.denyAccess(FakeBedrockApi.TITAN);
        assertThat(invoke(ok)).isInstanceOf(AccessDeniedException.class);
        // The model id went URL-encoded in the path and was decoded back.
        assertThat(fake.requests()).extracting(FakeBedrockApi.Request::modelId).contains("amazon.titan-embed-text-v9:0");
    }

    @Test
    void eachBedrockFailureMeansWhatReembedDoesAboutIt() {
        String ok = "{\"inputText\":\"hi\"}";
        fake.enqueue(FakeBedrockApi.Fault.of(429), FakeBedrockApi.Fault.of(503), FakeBedrockApi.Fault.of(408),
                new FakeBedrockApi.Fault(400, "ServiceQuotaExceededException", "Your request exceeds the service quota."));
        Failure throttled = errors.classify(invoke(ok)).orElseThrow();
        assertThat(throttled.rateLimited()).isTrue();
        assertThat(throttled.retry()).isTrue();
        assertThat(throttled.retryAfter()).isEmpty(); // Bedrock gives no Retry-After
        assertThat(errors.classify(invoke(ok)).orElseThrow().code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(errors.classify(invoke(ok)).orElseThrow()).satisfies(f -> {
            assertThat(f.code()).isEqualTo(Code.TIMEOUT);
            assertThat(f.retry()).isTrue();
        });
        Failure quota = errors.classify(invoke(ok)).orElseThrow();
        assertThat(quota.code()).isEqualTo(Code.DAILY_QUOTA_EXHAUSTED);
        assertThat(quota.retry()).isFalse();

        Failure notFound = new BedrockErrors("amazon.titan-embed-text-v9:0", "us-east-1")
                .classify(invoke(client, "amazon.titan-embed-text-v9:0", ok)).orElseThrow();
        assertThat(notFound.code()).isEqualTo(Code.NOT_FOUND);
        assertThat(notFound.said()).contains("amazon.titan-embed-text-v9:0", "ResourceNotFoundException");
        assertThat(errors.classify(new IllegalStateException("a bug"))).isEmpty();
    }

    @Test
    void badCredentialsAreUnauthenticatedAndTheSecretIsNeverShown() {
        String wrongSecret = "wRoNg/secret+that-must-never-be-logged-0123";
        List<String> seen = new ArrayList<>();
        try (LogCapture logs = LogCapture.start();
                BedrockRuntimeClient unknownKey = BedrockEmbeddingProviderTest.clientFor(fake, "AKIAUNKNOWNKEY000000", wrongSecret);
                BedrockRuntimeClient badSecret = BedrockEmbeddingProviderTest.clientFor(fake, FakeBedrockApi.ACCESS_KEY_ID, wrongSecret)) {
            RuntimeException unrecognized = invoke(unknownKey, FakeBedrockApi.TITAN, "{\"inputText\":\"hi\"}");
            assertThat(unrecognized).isExactlyInstanceOf(BedrockRuntimeException.class); // not modelled by bedrock-runtime
            assertThat(((AwsServiceException) unrecognized).awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");

            for (BedrockRuntimeClient c : List.of(unknownKey, badSecret)) {
                EmbeddingException e = catchThrowableOfType(EmbeddingException.class,
                        () -> provider(c, wrongSecret).embedQueries(List.of("q")));
                assertThat(e.code()).isEqualTo(Code.UNAUTHENTICATED);
                seen.add(e.getMessage());
                seen.add(e.toString());
            }
            assertThat(seen.get(0)).contains("UnrecognizedClientException", "security token included in the request is invalid");
            assertThat(seen.get(2)).contains("InvalidSignatureException", "signature we calculated does not match");
            seen.add(logs.all());
        }
        assertThat(String.join("\n", seen)).doesNotContain(wrongSecret).doesNotContain(FakeBedrockApi.SECRET_ACCESS_KEY);
    }

    @Test
    void noCredentialsAnywhereIsUnauthenticatedNamingTheEnvironmentVariables() {
        assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getProperty("aws.accessKeyId") == null);
        // The default chain's first two links; the rest (profile, web identity, instance role) would reach beyond loopback.
        AwsCredentialsProvider none = AwsCredentialsProviderChain.of(SystemPropertyCredentialsProvider.create(),
                EnvironmentVariableCredentialsProvider.create());
        try (BedrockRuntimeClient c = BedrockClients.create(Region.US_EAST_1, Optional.of(URI.create(fake.endpoint())),
                Duration.ofSeconds(2), Duration.ofSeconds(2), none)) {
            EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> provider(c, null).embedQueries(List.of("q")));

            assertThat(e.code()).isEqualTo(Code.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "reembed.bedrock.access-key-id");
            assertThat(fake.requests()).isEmpty();
        }
    }

    @Test
    void anUnreachableEndpointIsRetriedThenUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (BedrockRuntimeClient c = BedrockClients.create(Region.US_EAST_1,
                Optional.of(URI.create("http://127.0.0.1:" + closedPort)), Duration.ofSeconds(2), Duration.ofSeconds(2),
                BedrockClients.credentials(Optional.of(FakeBedrockApi.ACCESS_KEY_ID), Optional.of(FakeBedrockApi.SECRET_ACCESS_KEY)))) {
            EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> provider(c, null).embedQueries(List.of("q")));

            assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
            assertThat(e.getMessage()).contains("failed to connect", "gave up after 2 attempt(s)");
        }
    }

    @Test
    void aSlowAnswerIsATimeout() throws InterruptedException {
        fake.latency(1_500);
        try (BedrockRuntimeClient c = BedrockClients.create(Region.US_EAST_1, Optional.of(URI.create(fake.endpoint())),
                Duration.ofSeconds(2), Duration.ofMillis(500),
                BedrockClients.credentials(Optional.of(FakeBedrockApi.ACCESS_KEY_ID), Optional.of(FakeBedrockApi.SECRET_ACCESS_KEY)))) {
            EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> provider(c, null).embedQueries(List.of("q")));

            assertThat(e.code()).isEqualTo(Code.TIMEOUT);
        }
        fake.awaitIdle(10_000);
    }

    @Test
    void regionAndEndpointConfigurationIsRefusedWithWhatToSet() {
        AwsRegionProviderChain settingsOnly = new AwsRegionProviderChain(new SystemSettingsRegionProvider());
        assertThat(BedrockClients.region(Optional.of(" eu-central-1 "), false, settingsOnly)).isEqualTo(Region.EU_CENTRAL_1);
        assertThat(refusal(() -> BedrockClients.region(Optional.of("us east 1"), false, settingsOnly)))
                .contains("'us east 1' is not an AWS region name");
        assertThat(refusal(() -> BedrockClients.region(Optional.of("xx-nowhere-9"), false, settingsOnly)))
                .contains("not a region this AWS SDK knows", "reembed.bedrock.endpoint-override",
                        "https://bedrock-runtime.xx-nowhere-9.amazonaws.com");
        // Through an endpoint override the region only signs: a new one is let through.
        assertThat(BedrockClients.region(Optional.of("xx-nowhere-9"), true, settingsOnly).id()).isEqualTo("xx-nowhere-9");
        if (System.getenv("AWS_REGION") == null && System.getProperty("aws.region") == null) {
            assertThat(refusal(() -> BedrockClients.region(Optional.empty(), false, settingsOnly)))
                    .contains("needs an AWS region", "reembed.bedrock.region", "AWS_REGION");
        }

        assertThat(BedrockClients.endpoint(Optional.of(" "))).isEmpty();
        assertThat(BedrockClients.endpoint(Optional.of("https://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com")))
                .isPresent();
        assertThat(refusal(() -> BedrockClients.endpoint(Optional.of("127.0.0.1:4566"))))
                .contains("reembed.bedrock.endpoint-override '127.0.0.1:4566' is not an http(s) URL");
        assertThat(refusal(() -> BedrockClients.endpoint(Optional.of("ftp://example.com")))).contains("not an http(s) URL");
        assertThat(refusal(() -> BedrockClients.credentials(Optional.of("AKIA..."), Optional.empty())))
                .contains("must be set together");
    }

    static String refusal(Runnable r) {
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, r::run);
        assertThat(e).as("refused").isNotNull();
        return e.getMessage();
    }

    static BedrockEmbeddingProvider provider(BedrockRuntimeClient c, String secret) {
        FakeTime time = new FakeTime();
        ModelRegistry registry = new ModelRegistry();
        ProviderCaller caller = new ProviderCaller(new EmbeddingRateLimiter(100_000, 100_000_000, time, time), time, 1,
                Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(120), () -> 400L,
                new BedrockErrors(FakeBedrockApi.TITAN, "us-east-1"), secret, null);
        return new BedrockEmbeddingProvider(c, registry.validateProvider("bedrock", FakeBedrockApi.TITAN, 256), 256,
                new InputLimit(8192, "truncate"), true, 8, caller);
    }
}
