package dev.reembed.embedding.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.ProcessingException;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.QuotaHint;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.ProviderHttpException;

/** OpenAI's error bodies and rate-limit headers as OpenAiErrors reads them. */
class OpenAiErrorsTest {

    final OpenAiErrors errors = new OpenAiErrors();

    Failure classify(int status, String body, Map<String, String> headers) {
        return errors.classify(new ProviderHttpException(status, body, headers)).orElseThrow();
    }

    static String body(String message, String type, String code) {
        return FakeOpenAiApi.error(message, type, null, code).toString();
    }

    @Test
    void everySpentBalanceStopsWithoutRetryAndSaysSo() {
        for (String[] typeAndCode : new String[][] {{"insufficient_quota", "insufficient_quota"},
                {"insufficient_quota", null}, {"invalid_request_error", "credit_balance_exhausted"},
                {"invalid_request_error", "organization_spend_limit_exceeded"},
                {"invalid_request_error", "project_spend_limit_exceeded"}}) {
            Failure f = classify(429, body("You exceeded your current quota", typeAndCode[0], typeAndCode[1]), Map.of());
            assertThat(f.code()).isEqualTo(Code.DAILY_QUOTA_EXHAUSTED);
            assertThat(f.retry()).isFalse();
            assertThat(f.said()).contains("retrying cannot help");
        }
    }

    @Test
    void a429WaitsRetryAfterThenTheSpentBudgetsResetThenTheMessage() {
        String requests = body("Rate limit reached ... Please try again in 20s. Visit ...", "requests",
                "rate_limit_exceeded");
        Map<String, String> spent = Map.of("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6m0s",
                "x-ratelimit-remaining-tokens", "100", "x-ratelimit-reset-tokens", "12ms");

        assertThat(classify(429, requests, Map.of("retry-after", "7")).retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(classify(429, requests, Map.of("retry-after-ms", "250", "retry-after", "7")).retryAfter())
                .contains(Duration.ofMillis(250));
        assertThat(classify(429, requests, spent).retryAfter()).contains(Duration.ofMinutes(6));
        assertThat(classify(429, body("... Please try again in 2.812s. Visit ...", "tokens", "rate_limit_exceeded"),
                Map.of("x-ratelimit-remaining-tokens", "5", "x-ratelimit-reset-tokens", "1.5s")).retryAfter())
                .as("type tokens: the tokens reset").contains(Duration.ofMillis(1500));
        assertThat(classify(429, requests, Map.of()).retryAfter()).contains(Duration.ofSeconds(20));
        assertThat(classify(429, body("Rate limit reached", "requests", "rate_limit_exceeded"), Map.of()).retryAfter())
                .isEmpty();
        Failure f = classify(429, requests, Map.of());
        assertThat(f.code()).isEqualTo(Code.RATE_LIMITED);
        assertThat(f.rateLimited()).isTrue();
        assertThat(f.retry()).isTrue();
    }

    @Test
    void statusesMapToWhatACallerDoes() {
        assertThat(classify(401, body("Incorrect API key provided: sk-abc12*****wxyz. You can find ...",
                "invalid_request_error", "invalid_api_key"), Map.of()).code()).isEqualTo(Code.UNAUTHENTICATED);
        assertThat(classify(403, body("Country, region, or territory not supported", "request_forbidden",
                "unsupported_country_region_territory"), Map.of()).code()).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(classify(404, body("The model `x` does not exist", "invalid_request_error", "model_not_found"),
                Map.of()).code()).isEqualTo(Code.NOT_FOUND); // a wrong model or base URL: pause, not fail the rows
        assertThat(classify(400, body("'$.input' is invalid.", "invalid_request_error", null), Map.of()).retry())
                .isFalse();
        Failure unavailable = classify(503, body("The engine is currently overloaded", "server_error", null), Map.of());
        assertThat(unavailable.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(unavailable.retry()).isTrue();
        Failure gateway = classify(502, "<html><head><title>502 Bad Gateway</title></head></html>", Map.of());
        assertThat(gateway.retry()).isTrue();
        assertThat(gateway.said()).contains("HTTP 502: 502 Bad Gateway").doesNotContain("<");
        assertThat(classify(504, "", Map.of()).code()).isEqualTo(Code.TIMEOUT);
        assertThat(errors.classify(new ProcessingException("connect refused"))).map(Failure::retry).contains(true);
        assertThat(errors.classify(new IllegalStateException("a bug"))).isEmpty();
    }

    @Test
    void theMaskedKeyOpenAiQuotesIsCut() {
        Failure f = classify(401, body("Incorrect API key provided: sk-proj-abc*********************wxyz. You can find "
                + "your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error",
                "invalid_api_key"), Map.of());
        assertThat(f.said()).contains("Incorrect API key provided: sk-***").doesNotContain("abc").doesNotContain("wxyz")
                .contains("account/api-keys");
    }

    @Test
    void quotaHeadersAreReadWithGoDurations() {
        QuotaHint hint = OpenAiQuotaHeaders.read(Map.of("x-ratelimit-limit-requests", "60",
                "x-ratelimit-limit-tokens", "150000", "x-ratelimit-remaining-requests", "59",
                "x-ratelimit-remaining-tokens", "149984", "x-ratelimit-reset-requests", "1s",
                "x-ratelimit-reset-tokens", "6m0s")::get);
        assertThat(hint.limitRequests()).hasValue(60);
        assertThat(hint.limitTokens()).hasValue(150_000);
        assertThat(hint.remainingRequests()).hasValue(59);
        assertThat(hint.remainingTokens()).hasValue(149_984);
        assertThat(hint.resetRequests()).contains(Duration.ofSeconds(1));
        assertThat(hint.resetTokens()).contains(Duration.ofMinutes(6));
        assertThat(OpenAiQuotaHeaders.read(Map.<String, String>of()::get).isEmpty()).isTrue();

        assertThat(OpenAiQuotaHeaders.duration("12ms")).contains(Duration.ofMillis(12));
        assertThat(OpenAiQuotaHeaders.duration("2.812s")).contains(Duration.ofMillis(2812));
        assertThat(OpenAiQuotaHeaders.duration("1h2m3s")).contains(Duration.ofSeconds(3723));
        assertThat(OpenAiQuotaHeaders.duration("1m30.5s")).contains(Duration.ofMillis(90_500));
        assertThat(OpenAiQuotaHeaders.duration("7")).isEmpty();
        assertThat(OpenAiQuotaHeaders.duration("soon")).isEqualTo(Optional.empty());
    }
}
