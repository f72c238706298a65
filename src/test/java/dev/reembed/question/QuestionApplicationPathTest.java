package dev.reembed.question;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The application path with the real in-process model (all-MiniLM-L6-v2, 384 d) on real text:
 * the schema change applied at 384 dimensions, questions stored and embedded, search, duplicates.
 */
@QuarkusTest
@TestProfile(QuestionApplicationPathTest.LocalModel.class)
class QuestionApplicationPathTest {

    public static class LocalModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.embedding.provider", "local", "reembed.target.model", "all-minilm-l6-v2",
                    "reembed.target.dimensions", "384");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
        }
    }

    static final List<Map<String, Object>> QUESTIONS = List.of(
            Map.of("title", "Reset a forgotten PostgreSQL password",
                    "content", "I forgot the password of the postgres superuser on my Ubuntu server. How can I reset it without losing data?",
                    "solutions", List.of("Edit pg_hba.conf to trust local connections, restart, then ALTER USER postgres PASSWORD '...'")),
            Map.of("title", "Rotate a single page in a PDF",
                    "content", "How do I rotate only page 3 of a PDF document by 90 degrees from the command line?",
                    "solutions", List.of("qpdf in.pdf out.pdf --rotate=+90:3")),
            Map.of("title", "Undo the last git commit",
                    "content", "I committed to the wrong branch. How do I undo my most recent local git commit but keep the changes?",
                    "solutions", List.of("git reset --soft HEAD~1")),
            Map.of("title", "Speed up a slow Maven build",
                    "content", "Our multi-module Maven build takes twenty minutes. What can make it faster?",
                    "solutions", List.of("Build in parallel with -T 1C", "Skip unchanged modules")),
            Map.of("title", "Center a div vertically",
                    "content", "What is the simplest CSS to center a div vertically and horizontally inside its parent?",
                    "solutions", List.of("display: flex; align-items: center; justify-content: center;")));

    @Inject
    AgroalDataSource db;

    @BeforeEach
    void store() {
        TestDb.resetQuestions(db);
        for (Map<String, Object> q : QUESTIONS) {
            given().contentType("application/json").body(q).post("/api/questions").then().statusCode(201)
                    .header("Location", matchesPattern(".*/api/questions/\\d+$"))
                    .body("embedding.status", equalTo("EMBEDDED"))
                    .body("embedding.model", equalTo("all-minilm-l6-v2"))
                    .body("embedding.dimensions", equalTo(384));
        }
    }

    @Test
    void storedQuestionsCarryAVectorOfTheirText() {
        assertThat(TestDb.number(db, "select count(*) from questions where embedding is not null "
                + "and embedding_model = 'all-minilm-l6-v2' and embedding_content_hash = content_hash")).isEqualTo(5);
        long id = TestDb.number(db, "select id from questions where title like 'Undo%'");
        given().get("/api/questions/" + id).then().statusCode(200)
                .body("title", equalTo("Undo the last git commit"))
                .body("solutions[0].content", equalTo("git reset --soft HEAD~1"))
                .body("embedding.status", equalTo("EMBEDDED"));
        assertThat(TestDb.number(db, "select count(*) from solutions")).isEqualTo(6);
    }

    @Test
    void aParaphraseIsFoundAsADuplicateAndAnUnrelatedQuestionIsNot() {
        JsonPath paraphrase = given().contentType("application/json")
                .body(Map.of("title", "Lost my postgres password",
                        "content", "I can't remember the password for the postgres admin account on Ubuntu. How do I change it?"))
                .post("/api/questions/duplicates").then().statusCode(200).extract().jsonPath();
        assertThat(paraphrase.getList("title")).isNotEmpty();
        assertThat(paraphrase.getString("[0].title")).isEqualTo("Reset a forgotten PostgreSQL password");
        assertThat(paraphrase.getDouble("[0].similarity")).isGreaterThanOrEqualTo(0.8);

        JsonPath unrelated = given().contentType("application/json")
                .body(Map.of("title", "Best sourdough hydration",
                        "content", "What water to flour ratio gives an open crumb in sourdough bread?"))
                .post("/api/questions/duplicates").then().statusCode(200).extract().jsonPath();
        assertThat(unrelated.getList("$")).as("nothing above the duplicate threshold").isEmpty();
    }

    @Test
    void searchFindsTheRelevantQuestionFirstWithItsSolutions() {
        JsonPath results = given().contentType("application/json")
                .body(Map.of("query", "rotate one page of a pdf", "threshold", 0.3, "limit", 3))
                .post("/api/questions/search").then().statusCode(200).extract().jsonPath();
        assertThat(results.getString("[0].title")).isEqualTo("Rotate a single page in a PDF");
        assertThat(results.getString("[0].solutions[0].content")).isEqualTo("qpdf in.pdf out.pdf --rotate=+90:3");
        assertThat(results.getList("similarity", Double.class)).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(results.getList("$")).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void rowsWithoutAVectorAreSimplyNotFound() {
        TestDb.exec(db, "update questions set embedding = null where title like 'Rotate%'");
        JsonPath results = given().contentType("application/json").body(Map.of("query", "rotate one page of a pdf", "threshold", 0.3))
                .post("/api/questions/search").then().statusCode(200).extract().jsonPath();
        assertThat(results.getList("title")).doesNotContain("Rotate a single page in a PDF");
    }

    @Test
    void badInputIsAProblem() {
        given().contentType("application/json").body("{}").post("/api/questions").then().statusCode(400)
                .contentType("application/problem+json");
        given().contentType("application/json").body(Map.of("content", "x", "solutions", List.of(" "))).post("/api/questions")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body(Map.of("query", "x", "threshold", 2)).post("/api/questions/search")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body(Map.of("query", "x", "limit", 0)).post("/api/questions/search")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body("[1,2]").post("/api/questions/duplicates").then().statusCode(400)
                .contentType("application/problem+json");
        given().contentType("text/plain").body("hello").post("/api/questions").then().statusCode(415)
                .contentType("application/problem+json");
        given().get("/api/questions/987654").then().statusCode(404).contentType("application/problem+json");
        assertThat(TestDb.number(db, "select count(*) from questions")).as("nothing half-written").isEqualTo(5);
    }
}
