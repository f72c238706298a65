package dev.reembed.embedding.bedrock;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;

import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;

/**
 * Builds the Bedrock runtime client from config, refusing a region or endpoint that cannot work with
 * a message that says what to set. The SDK signs (SigV4) and finds credentials; its own retries are
 * off, because {@link dev.reembed.embedding.call.ProviderCaller} retries and tells the shared limiter.
 */
public final class BedrockClients {

    /** us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, ... */
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");

    private BedrockClients() {
    }

    /** The client for {@code config}, with the SDK's credential and region chains where config says nothing. */
    public static BedrockRuntimeClient create(BedrockConfig config) {
        Optional<URI> endpoint = endpoint(config.endpointOverride());
        Region region = region(config.region(), endpoint.isPresent(), DefaultAwsRegionProviderChain.builder().build());
        return create(region, endpoint, config.connectTimeout(), config.readTimeout(),
                credentials(config.accessKeyId(), config.secretAccessKey()));
    }

    public static BedrockRuntimeClient create(Region region, Optional<URI> endpoint, Duration connectTimeout,
            Duration readTimeout, AwsCredentialsProvider credentials) {
        BedrockRuntimeClientBuilder builder = BedrockRuntimeClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        .socketTimeout(readTimeout)
                        .build())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /**
     * The configured region, else the SDK chain's. Without an endpoint override the region must be one
     * the SDK knows, since it picks the endpoint from it; with one, any well-formed name (it only signs).
     */
    public static Region region(Optional<String> configured, boolean endpointOverridden, AwsRegionProvider chain) {
        String name = configured.map(String::trim).filter(r -> !r.isEmpty()).orElse(null);
        if (name == null) {
            try {
                return chain.getRegion();
            } catch (SdkClientException e) {
                throw new EmbeddingException(Code.INTERNAL, "reembed.embedding.provider=bedrock needs an AWS region: set "
                        + "reembed.bedrock.region (REEMBED_BEDROCK_REGION) or AWS_REGION, e.g. us-east-1");
            }
        }
        if (!REGION.matcher(name).matches()) {
            throw new EmbeddingException(Code.INTERNAL, "reembed.bedrock.region '" + name
                    + "' is not an AWS region name; use one such as us-east-1 or eu-central-1");
        }
        Region region = Region.of(name);
        if (!endpointOverridden && !Region.regions().contains(region)) {
            throw new EmbeddingException(Code.INTERNAL, "reembed.bedrock.region '" + name
                    + "' is not a region this AWS SDK knows; check the name, or for a region newer than the SDK set "
                    + "reembed.bedrock.endpoint-override to https://bedrock-runtime." + name + ".amazonaws.com");
        }
        return region;
    }

    /** The endpoint override as an absolute http(s) URI, or empty. */
    public static Optional<URI> endpoint(Optional<String> override) {
        String value = override.map(String::trim).filter(v -> !v.isEmpty()).orElse(null);
        if (value == null) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(value);
            if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new EmbeddingException(Code.INTERNAL, "reembed.bedrock.endpoint-override '" + value
                + "' is not an http(s) URL with a host, e.g. https://bedrock-runtime.us-east-1.amazonaws.com");
    }

    /** Static credentials when both parts are configured (proxies, tests), else the SDK's default chain. */
    public static AwsCredentialsProvider credentials(Optional<String> accessKeyId, Optional<String> secretAccessKey) {
        Optional<String> id = accessKeyId.filter(s -> !s.isBlank());
        Optional<String> secret = secretAccessKey.filter(s -> !s.isBlank());
        if (id.isPresent() != secret.isPresent()) {
            throw new EmbeddingException(Code.UNAUTHENTICATED, "reembed.bedrock.access-key-id and "
                    + "reembed.bedrock.secret-access-key must be set together (or neither, to use the AWS credential chain)");
        }
        if (id.isPresent()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(id.get(), secret.get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
