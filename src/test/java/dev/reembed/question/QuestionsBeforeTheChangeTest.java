package dev.reembed.question;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.ScratchDatabaseResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Before the schema change the column is vector(768): the application path says so clearly. */
@QuarkusTest
@TestProfile(QuestionsBeforeTheChangeTest.HeldAtVersion2.class)
class QuestionsBeforeTheChangeTest {

    public static class HeldAtVersion2 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.migration.start-target", "2", "reembed.embedding.provider", "local",
                    "reembed.target.model", "all-minilm-l6-v2", "reembed.target.dimensions", "384");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
        }
    }

    @Test
    void everyCallAnswers409WithTheWayOut() {
        given().contentType("application/json").body(Map.of("content", "How do I rotate a PDF page?")).post("/api/questions")
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("questions.embedding is vector(768)"))
                .body("detail", containsString("POST /api/migration/apply"));
        given().contentType("application/json").body(Map.of("query", "rotate pdf")).post("/api/questions/search")
                .then().statusCode(409).contentType("application/problem+json");
        given().contentType("application/json").body(Map.of("content", "rotate pdf")).post("/api/questions/duplicates")
                .then().statusCode(409).contentType("application/problem+json");
        given().contentType("application/json").body("{}").post("/api/backfills")
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("apply the schema change"));
    }
}
