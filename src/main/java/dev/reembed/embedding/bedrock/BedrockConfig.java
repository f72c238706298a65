package dev.reembed.embedding.bedrock;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Amazon Bedrock ({@code reembed.bedrock.*}). Credentials come from the AWS SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws.accessKeyId/aws.secretAccessKey, a profile,
 * web identity, a container or instance role); requests are SigV4-signed by the SDK.
 */
@ConfigMapping(prefix = "reembed.bedrock")
public interface BedrockConfig {

    /** The AWS region, e.g. us-east-1; unset = the SDK's region chain (AWS_REGION, profile, instance). */
    Optional<String> region();

    /**
     * Where to send requests instead of https://bedrock-runtime.{region}.amazonaws.com: a VPC
     * endpoint, a proxy, a test fake. The region is still used to sign.
     */
    Optional<String> endpointOverride();

    /**
     * InvokeModel requests of one embed call in flight at once. Titan takes one text per request,
     * so a call of 100 texts is 100 requests: this is where its throughput comes from. Every request
     * still passes the shared rate limiter.
     */
    @WithDefault("8")
    @Min(1)
    @Max(64)
    int concurrency();

    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest wait for one answer before it counts as a timeout (and is retried). */
    @WithDefault("60s")
    Duration readTimeout();

    /**
     * Static credentials for a proxy or a test fake only; leave unset in production and let the SDK's
     * chain find them. Both or neither. Never logged.
     */
    Optional<String> accessKeyId();

    /** The secret of {@link #accessKeyId()}. Never logged, never in a message. */
    Optional<String> secretAccessKey();
}
