package dev.reembed.embedding.bedrock;

import java.util.Optional;
import java.util.Set;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.call.ConnectionFailures;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.VendorErrors;

/**
 * Bedrock's failures as the AWS SDK raises them (its REST-JSON error code, from the
 * {@code x-amzn-ErrorType} header or the body's {@code __type}, picks the exception class):
 * <ul>
 * <li>ThrottlingException (429): rate limited, retried with backoff (Bedrock sends no Retry-After).</li>
 * <li>ServiceUnavailable (503), InternalServer (500), ModelNotReady (429), ModelError (424): retried;
 * ModelTimeout (408): retried as a timeout.</li>
 * <li>Validation (400), ResourceNotFound (404): INVALID_ARGUMENT, the same request fails again.</li>
 * <li>AccessDenied (403): PERMISSION_DENIED, usually model access not granted in that region.</li>
 * <li>ServiceQuotaExceeded (400): an account quota, not a per-minute rate: stop the run.</li>
 * <li>The signing errors (UnrecognizedClient, InvalidSignature, ExpiredToken, ...) and no credentials at
 * all: UNAUTHENTICATED. Other client failures (connection refused, timeouts): {@link ConnectionFailures}.</li>
 * </ul>
 * Messages carry the AWS error code and message, which name no credential.
 */
public final class BedrockErrors implements VendorErrors {

    /** Error codes of AWS's request authentication, which bedrock-runtime does not model as classes. */
    private static final Set<String> AUTHENTICATION = Set.of("UnrecognizedClientException", "InvalidSignatureException",
            "SignatureDoesNotMatch", "IncompleteSignatureException", "IncompleteSignature", "InvalidClientTokenId",
            "MissingAuthenticationTokenException", "MissingAuthenticationToken", "ExpiredTokenException",
            "ExpiredToken", "UnauthorizedException");

    private final String model;
    private final String region;

    public BedrockErrors(String model, String region) {
        this.model = model;
        this.region = region;
    }

    @Override
    public Optional<Failure> classify(RuntimeException e) {
        if (e instanceof AwsServiceException aws) {
            return Optional.of(service(aws));
        }
        if (e instanceof SdkClientException client) {
            if (String.valueOf(client.getMessage()).contains("Unable to load credentials")) {
                return Optional.of(Failure.fail(Code.UNAUTHENTICATED, "found no AWS credentials: set AWS_ACCESS_KEY_ID and "
                        + "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, a web-identity, container or instance role; "
                        + "reembed.bedrock.access-key-id/secret-access-key are for proxies and tests) ("
                        + shorten(client.getMessage()) + ")"));
            }
            return Optional.of(ConnectionFailures.of(client));
        }
        return Optional.empty();
    }

    private Failure service(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String said = "(HTTP " + e.statusCode() + (code == null ? "" : " " + code) + ": " + message(e) + ")";
        if (e instanceof ThrottlingException) {
            return Failure.rateLimited(Optional.empty(), "is throttled " + said);
        }
        if (e instanceof ModelTimeoutException) {
            return Failure.retry(Code.TIMEOUT, "timed out in the model " + said);
        }
        if (e instanceof ServiceUnavailableException || e instanceof InternalServerException
                || e instanceof ModelNotReadyException || e instanceof ModelErrorException) {
            return Failure.retry(Code.UNAVAILABLE, "failed on Bedrock's side " + said);
        }
        if (e instanceof ValidationException) {
            return Failure.fail(Code.INVALID_ARGUMENT, "was rejected " + said);
        }
        if (e instanceof ResourceNotFoundException) {
            return Failure.fail(Code.NOT_FOUND, "was rejected: Bedrock in " + region + " has no model '" + model
                    + "' " + said);
        }
        if (e instanceof AccessDeniedException) {
            return Failure.fail(Code.PERMISSION_DENIED, "was refused: these AWS credentials may not invoke '" + model
                    + "'. Enable access to the model in the Amazon Bedrock console (Model access) for region " + region
                    + " and allow bedrock:InvokeModel on it in IAM " + said);
        }
        if (e instanceof ServiceQuotaExceededException) {
            return Failure.fail(Code.DAILY_QUOTA_EXHAUSTED, "exceeded an AWS service quota of the account; nothing more "
                    + "can be embedded until it is raised (Service Quotas console) or resets " + said);
        }
        if ((code != null && AUTHENTICATION.contains(code)) || e.statusCode() == 401) {
            return Failure.fail(Code.UNAUTHENTICATED, "was refused: the AWS credentials are invalid or expired " + said);
        }
        if (e.statusCode() == 403) {
            return Failure.fail(Code.PERMISSION_DENIED, "was refused " + said);
        }
        if (e.statusCode() == 429) {
            return Failure.rateLimited(Optional.empty(), "is throttled " + said);
        }
        if (e.statusCode() >= 500) {
            return Failure.retry(e.statusCode() == 504 ? Code.TIMEOUT : Code.UNAVAILABLE, "got " + said);
        }
        return Failure.fail(Code.INVALID_ARGUMENT, "was rejected " + said);
    }

    private static String message(AwsServiceException e) {
        String m = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return shorten(m == null || m.isBlank() ? "no message" : m);
    }

    private static String shorten(String s) {
        String one = String.valueOf(s).replaceAll("\\s+", " ");
        return one.length() <= 400 ? one : one.substring(0, 400) + "…";
    }
}
