package dev.reembed.embedding;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** GET /api/models, and the default (offline) provider wiring of the running app. */
@QuarkusTest
class ModelResourceTest {

    @Inject
    EmbeddingProvider provider;

    @Test
    void listsTheRegistry() {
        given().when().get("/api/models").then()
                .statusCode(200)
                .contentType("application/json")
                .body("$", hasSize(new ModelRegistry().all().size()))
                .body("id", hasItems("gemini-embedding-001", "text-embedding-004", "text-embedding-ada-002",
                        "all-minilm-l6-v2"))
                .body("find { it.id == 'gemini-embedding-001' }.defaultDimensions", equalTo(3072))
                .body("find { it.id == 'gemini-embedding-001' }.minDimensions", equalTo(128))
                .body("find { it.id == 'gemini-embedding-001' }.maxInputTokens", equalTo(2048))
                .body("find { it.id == 'gemini-embedding-001' }.reducible", equalTo(true))
                .body("find { it.id == 'gemini-embedding-001' }.kind", equalTo("text"))
                .body("find { it.id == 'text-embedding-ada-002' }.reducible", equalTo(false))
                .body("find { it.id == 'voyage-code-3' }.kind", equalTo("code"))
                .body("find { it.id == 'multimodal-embedding' }.kind", equalTo("multimodal"))
                .body("find { it.id == 'text-embedding-004' }.shutDown.gemini", equalTo("2026-01-14"))
                .body("find { it.id == 'gemini-embedding-2' }.batchPricePerMillionTokens", equalTo(0.10f))
                .body("find { it.id == 'cohere.embed-english-v3' }.maxItemsPerRequest", equalTo(96));
    }

    @Test
    void oneModelOr404ProblemJson() {
        given().when().get("/api/models/all-minilm-l6-v2").then()
                .statusCode(200)
                .body("provider", equalTo("local"))
                .body("defaultDimensions", equalTo(384))
                .body("servedBy", equalTo(List.of("local")));
        given().when().get("/api/models/nope").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("detail", equalTo("Unknown embedding model 'nope'."));
    }

    @Test
    void theDefaultProviderIsTheLocalModelAndEmbedsInsideTheApp() {
        // Default config: provider local, target gemini-embedding-001/1536 -> the app started (warning only).
        assertThat(provider.name()).isEqualTo("local");
        assertThat(provider.model()).isEqualTo("all-minilm-l6-v2");
        EmbeddingBatch batch = provider.embedQueries(List.of("hello world"));
        assertThat(batch.vectors().get(0)).hasSize(384);
    }
}
