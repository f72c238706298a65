package dev.reembed.embedding.voyage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.testing.fake.FakeHttp;
import dev.reembed.testing.fake.FakeHttp.Answer;

/** The fake refuses what Voyage refuses, with its {"detail": ...} bodies (plain HTTP, no Quarkus). */
class FakeVoyageApiTest {

    static FakeVoyageApi fake;
    static String url;
    static final String AUTH = "Bearer " + FakeVoyageApi.KEY;

    @BeforeAll
    static void start() throws Exception {
        fake = new FakeVoyageApi();
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

    static Map<String, Object> request(String model, List<String> input, String inputType, Integer dimension) {
        Map<String, Object> body = new HashMap<>();
        body.put("model", model);
        body.put("input", input);
        body.put("input_type", inputType);
        if (dimension != null) {
            body.put("output_dimension", dimension);
        }
        return body;
    }

    static String detail(Answer a) {
        return a.json().path("detail").asText();
    }

    @Test
    void refusesWhatVoyageRefuses() throws Exception {
        Answer tooMany = FakeHttp.post(url, AUTH, request("voyage-4", Collections.nCopies(1001, "x"), "query", null));
        assertThat(tooMany.status()).isEqualTo(400);

        Answer tokens = FakeHttp.post(url, AUTH, request("voyage-4-large",
                Collections.nCopies(5, "t".repeat(90_000)), "document", null)); // 5 × 30,000 tokens
        assertThat(tokens.status()).isEqualTo(400);
        assertThat(detail(tokens)).isEqualTo("Request to model 'voyage-4-large' failed. The max allowed tokens per "
                + "submitted batch is 120000. Your batch has 150000 tokens after truncation. Please lower the number "
                + "of tokens in the batch.");

        assertThat(FakeHttp.post(url, AUTH, request("voyage-4", List.of("a"), "query", 300)).status()).isEqualTo(400);
        assertThat(FakeHttp.post(url, AUTH, request("voyage-law-2", List.of("a"), "query", 512)).status()).isEqualTo(400);
        assertThat(FakeHttp.post(url, AUTH, request("voyage-4", List.of("a", ""), "query", null)).status()).isEqualTo(400);
        assertThat(FakeHttp.post(url, AUTH, request("voyage-4", List.of("a"), "passage", null)).status()).isEqualTo(400);
        assertThat(FakeHttp.post(url, AUTH, request("voyage-9", List.of("a"), "query", null)).status()).isEqualTo(400);

        Answer key = FakeHttp.post(url, "Bearer pa-wrong", request("voyage-4", List.of("a"), "query", null));
        assertThat(key.status()).isEqualTo(401);
        assertThat(detail(key)).isEqualTo("Provided API key is invalid.");
        assertThat(fake.successfulRequests()).isZero();
    }

    @Test
    void answersIndexedUnitVectorsThatDependOnTheInputType() throws Exception {
        Answer query = FakeHttp.post(url, AUTH, request("voyage-4", List.of("a b", "c"), "query", 2048));
        Answer doc = FakeHttp.post(url, AUTH, request("voyage-4", List.of("a b"), "document", 2048));

        assertThat(query.status()).isEqualTo(200);
        assertThat(query.json().path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(query.json().path("data").get(0).path("embedding")).hasSize(2048);
        assertThat(query.json().path("usage").path("total_tokens").asLong()).isEqualTo(2);
        assertThat(query.json().path("data").get(0).path("embedding"))
                .isNotEqualTo(doc.json().path("data").get(0).path("embedding"));
    }
}
