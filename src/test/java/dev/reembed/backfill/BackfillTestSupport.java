package dev.reembed.backfill;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import javax.sql.DataSource;

import dev.reembed.testing.TestDb;
import io.restassured.path.json.JsonPath;

/** Seeding and waiting for the backfill tests. */
final class BackfillTestSupport {

    private BackfillTestSupport() {
    }

    static final String[] TOPICS = {"rotate a PDF page", "reset a forgotten Postgres password", "speed up a slow Maven build",
            "read a CSV file in Java", "center a div vertically", "undo the last git commit", "parse JSON in bash",
            "resize an EBS volume", "find large files on Linux", "debug a memory leak in the JVM"};

    /** n questions of distinct, real-looking text (ids 1..n after a reset). */
    static void seed(DataSource db, int n) {
        String topics = "array['" + String.join("','", TOPICS) + "']";
        TestDb.exec(db, "insert into questions (title, content) "
                + "select 'How do I ' || (" + topics + ")[1 + g % 10] || '? (#' || g || ')', "
                + "'Question ' || g || ': I am trying to ' || (" + topics + ")[1 + g % 10] || ' but it keeps failing. "
                + "What is the right way to do it on a production system? Details ' || md5(g::text) "
                + "from generate_series(1, " + n + ") g");
    }

    static long start(Map<String, Object> body) {
        return given().contentType("application/json").body(body).post("/api/backfills").then().statusCode(202)
                .extract().jsonPath().getLong("id");
    }

    static JsonPath run(long id) {
        return given().get("/api/backfills/" + id).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath await(long id, Predicate<JsonPath> condition, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        JsonPath last = run(id);
        while (!condition.test(last)) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("run " + id + " did not reach the expected state in " + timeout + ": " + last.prettify());
            }
            sleep(100);
            last = run(id);
        }
        return last;
    }

    static void await(java.util.function.BooleanSupplier condition, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("condition not reached in " + timeout);
            }
            sleep(100);
        }
    }

    static JsonPath awaitStatus(long id, Set<String> statuses, Duration timeout) {
        return await(id, r -> statuses.contains(r.getString("status")), timeout);
    }

    /** In-scope rows without a vector of the target model made from their current text. */
    static long notCovered(DataSource db) {
        return TestDb.number(db, """
                select count(*) from questions where deleted_at is null
                and (embedding is null or embedding_model is distinct from 'gemini-embedding-001'
                     or embedding_content_hash is distinct from content_hash)""");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
