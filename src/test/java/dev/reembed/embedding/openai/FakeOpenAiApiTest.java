package dev.reembed.embedding.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.reembed.embedding.FakeTime;
import dev.reembed.testing.fake.FakeHttp;
import dev.reembed.testing.fake.FakeHttp.Answer;

/** The fake refuses what OpenAI refuses, with OpenAI's bodies and headers (plain HTTP, no Quarkus). */
class FakeOpenAiApiTest {

    static FakeOpenAiApi fake;
    static String url;
    static final String AUTH = "Bearer " + FakeOpenAiApi.KEY;

    @BeforeAll
    static void start() throws Exception {
        fake = new FakeOpenAiApi();
        url = fake.baseUrl() + "/embeddings";
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static Map<String, Object> request(String model, List<String> input, Integer dimensions) {
        Map<String, Object> body = new HashMap<>();
        body.put("model", model);
        body.put("input", input);
        body.put("encoding_format", "float");
        if (dimensions != null) {
            body.put("dimensions", dimensions);
        }
        return body;
    }

    static JsonNode error(Answer a) {
        return a.json().path("error");
    }

    @Test
    void refusesWhatOpenAiRefuses() throws Exception {
        Answer tooMany = FakeHttp.post(url, AUTH, request("text-embedding-3-small", Collections.nCopies(2049, "x"), null));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(error(tooMany).path("message").asText()).startsWith("'$.input' is invalid");

        Answer tokens = FakeHttp.post(url, AUTH, request("text-embedding-3-small",
                Collections.nCopies(40, "t".repeat(24_000)), null)); // 40 × 8000 tokens
        assertThat(tokens.status()).isEqualTo(400);
        assertThat(error(tokens).path("code").asText()).isEqualTo("max_tokens_per_request");
        assertThat(error(tokens).path("message").asText()).isEqualTo("Requested 320000 tokens, max 300000 tokens per request");

        Answer ada = FakeHttp.post(url, AUTH, request("text-embedding-ada-002", List.of("a"), 1536));
        assertThat(ada.status()).isEqualTo(400);
        assertThat(error(ada).path("message").asText()).isEqualTo("This model does not support specifying dimensions.");

        Answer empty = FakeHttp.post(url, AUTH, request("text-embedding-3-small", List.of("a", ""), null));
        assertThat(empty.status()).isEqualTo(400);

        Answer tooWide = FakeHttp.post(url, AUTH, request("text-embedding-3-small", List.of("a"), 1537));
        assertThat(tooWide.status()).isEqualTo(400);

        Answer model = FakeHttp.post(url, AUTH, request("text-embedding-4-huge", List.of("a"), null));
        assertThat(model.status()).isEqualTo(404);
        assertThat(error(model).path("code").asText()).isEqualTo("model_not_found");

        Answer key = FakeHttp.post(url, "Bearer sk-proj-wrongwrongwrong1234", request("text-embedding-3-small",
                List.of("a"), null));
        assertThat(key.status()).isEqualTo(401);
        assertThat(error(key).path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(error(key).path("message").asText()).contains("Incorrect API key provided: sk-proj*").endsWith(
                "You can find your API key at https://platform.openai.com/account/api-keys.");

        Answer none = FakeHttp.post(url, null, request("text-embedding-3-small", List.of("a"), null));
        assertThat(none.status()).isEqualTo(401);
        assertThat(fake.successfulRequests()).isZero();
    }

    @Test
    void answersIndexedUnitVectorsWithUsageAndQuotaHeaders() throws Exception {
        fake.quota(60, 150_000);
        Answer a = FakeHttp.post(url, AUTH, request("text-embedding-3-small", List.of("a", "b", "c", "d"), 8));

        assertThat(a.status()).isEqualTo(200);
        JsonNode data = a.json().path("data");
        assertThat(data).hasSize(4);
        assertThat(data.findValuesAsText("index")).containsExactlyInAnyOrder("0", "1", "2", "3");
        assertThat(data.get(0).path("embedding")).hasSize(8);
        assertThat(a.json().path("usage").path("prompt_tokens").asLong()).isEqualTo(4);
        assertThat(a.header("x-ratelimit-limit-requests")).isEqualTo("60");
        assertThat(a.header("x-ratelimit-limit-tokens")).isEqualTo("150000");
        assertThat(a.header("x-ratelimit-remaining-requests")).isEqualTo("59");
        assertThat(a.header("x-ratelimit-remaining-tokens")).isEqualTo("149996");
        assertThat(a.header("x-ratelimit-reset-requests")).isEqualTo("1s");
    }

    @Test
    void overItsRequestQuotaItAnswersOpenAis429WithHeadersAndRetryAfter() throws Exception {
        FakeTime time = new FakeTime();
        fake.clock(time::currentTimeNanos);
        fake.quota(1, 1_000_000);
        assertThat(FakeHttp.post(url, AUTH, request("text-embedding-3-small", List.of("a"), null)).status()).isEqualTo(200);

        Answer refused = FakeHttp.post(url, AUTH, request("text-embedding-3-small", List.of("a"), null));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(error(refused).path("type").asText()).isEqualTo("requests");
        assertThat(error(refused).path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(error(refused).path("message").asText()).startsWith("Rate limit reached for text-embedding-3-small")
                .contains("on requests per min (RPM): Limit 1");
        assertThat(refused.header("retry-after")).isEqualTo("60");
        assertThat(refused.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(refused.header("x-ratelimit-reset-requests")).isEqualTo("1m0s");

        time.advance(java.time.Duration.ofSeconds(60));
        assertThat(FakeHttp.post(url, AUTH, request("text-embedding-3-small", List.of("a"), null)).status()).isEqualTo(200);
    }

    @Test
    void goDurationsLookLikeOpenAis() {
        assertThat(FakeOpenAiApi.goDuration(java.time.Duration.ofMillis(12))).isEqualTo("12ms");
        assertThat(FakeOpenAiApi.goDuration(java.time.Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(FakeOpenAiApi.goDuration(java.time.Duration.ofMinutes(6))).isEqualTo("6m0s");
        assertThat(FakeOpenAiApi.goDuration(java.time.Duration.ofSeconds(3725))).isEqualTo("1h2m5s");
    }
}
