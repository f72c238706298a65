package dev.reembed.embedding;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A provider chosen without its key: the service starts (migration and verification need none),
 * and whatever would embed answers a 503 problem+json naming the variable to set, not a 500.
 */
@QuarkusTest
@TestProfile(MissingKeyTest.OpenAiWithoutKey.class)
class MissingKeyTest {

    public static class OpenAiWithoutKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.embedding.provider", "openai", "reembed.openai.api-key", "",
                    "reembed.target.model", "text-embedding-3-small", "reembed.target.dimensions", "1536");
        }
    }

    @Test
    void searchAndBackfillsNameTheKeyToSet() {
        given().contentType("application/json").body(Map.of("query", "reset my password"))
                .post("/api/questions/search").then()
                .statusCode(503).contentType("application/problem+json")
                .body("detail", containsString("OPENAI_API_KEY")).body("detail", containsString("reembed.openai.api-key"))
                .body("errorCode", equalTo("UNAUTHENTICATED"));
        given().contentType("application/json").body("{}").post("/api/backfills").then()
                .statusCode(503).body("detail", containsString("OPENAI_API_KEY"))
                .body("detail", not(containsString("Exception")));
        // Runs stay readable: listing them does not need the provider.
        given().get("/api/backfills").then().statusCode(200);
    }
}
