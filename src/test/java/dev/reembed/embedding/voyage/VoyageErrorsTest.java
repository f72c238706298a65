package dev.reembed.embedding.voyage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import jakarta.ws.rs.ProcessingException;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.ProviderHttpException;

/** Voyage's error answers, read defensively. Bodies as seen in real answers (sources in VoyageErrors). */
class VoyageErrorsTest {

    final VoyageErrors errors = new VoyageErrors();

    Failure classify(int status, String body, Map<String, String> headers) {
        return errors.classify(new ProviderHttpException(status, body, headers)).orElseThrow();
    }

    @Test
    void theDetailIsQuotedWhateverItsForm() {
        Failure tokens = classify(400, "{\"detail\":\"Request to model 'voyage-code-3' failed. The max allowed tokens "
                + "per submitted batch is 120000. Your batch has 124417 tokens after truncation. Please lower the "
                + "number of tokens in the batch.\"}", Map.of());
        assertThat(tokens.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(tokens.retry()).isFalse();
        assertThat(tokens.said()).contains("HTTP 400: Request to model 'voyage-code-3' failed.");

        Failure list = classify(400, "{\"detail\":[{\"loc\":[\"body\",\"input_type\"],\"msg\":\"value is not a valid "
                + "enumeration member\",\"type\":\"type_error.enum\"}]}", Map.of());
        assertThat(list.said()).contains("value is not a valid enumeration member at [\"body\",\"input_type\"]");

        assertThat(classify(400, "{\"message\":\"other shape\"}", Map.of()).said()).contains("other shape");
        assertThat(classify(500, "", Map.of()).said()).isEqualTo("got HTTP 500 (HTTP 500)");
        assertThat(classify(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", Map.of()).said())
                .contains("HTTP 502: 502 Bad Gateway").doesNotContain("<");
    }

    @Test
    void statusesMapToWhatACallerDoes() {
        Failure key = classify(401, "{\"detail\":\"Provided API key is invalid.\"}", Map.of());
        assertThat(key.code()).isEqualTo(Code.UNAUTHENTICATED);
        assertThat(key.said()).contains("Provided API key is invalid.");
        assertThat(classify(403, "{\"detail\":\"Forbidden\"}", Map.of()).code()).isEqualTo(Code.PERMISSION_DENIED);

        Failure limited = classify(429, "{\"detail\":\"You have not yet added your payment method in the billing page "
                + "and will have reduced rate limits of 3 RPM and 10K TPM.\"}", Map.of());
        assertThat(limited.code()).isEqualTo(Code.RATE_LIMITED);
        assertThat(limited.retry()).isTrue();
        assertThat(limited.rateLimited()).isTrue();
        assertThat(limited.retryAfter()).isEmpty();
        assertThat(limited.said()).contains("3 RPM and 10K TPM");
        assertThat(classify(429, "{}", Map.of("retry-after", "12")).retryAfter()).contains(Duration.ofSeconds(12));

        for (int status : new int[] {500, 502, 503}) {
            Failure f = classify(status, "{\"detail\":\"x\"}", Map.of());
            assertThat(f.code()).isEqualTo(Code.UNAVAILABLE);
            assertThat(f.retry()).isTrue();
        }
        assertThat(classify(504, "", Map.of()).code()).isEqualTo(Code.TIMEOUT);
        assertThat(classify(404, "{\"detail\":\"Not Found\"}", Map.of()).code()).isEqualTo(Code.NOT_FOUND);
        assertThat(errors.classify(new ProcessingException("connect refused"))).map(Failure::retry).contains(true);
        assertThat(errors.classify(new IllegalStateException("a bug"))).isEmpty();
    }
}
