package dev.reembed.common;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.OwnDatabaseProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Hundreds of malformed requests — wrong types, negative or huge sizes, unknown enums, bad ids,
 * oversized fields, broken JSON, wrong media types — each answered 4xx problem+json; never a 5xx,
 * and nothing written.
 */
@QuarkusTest
@TestProfile(OwnDatabaseProfile.class)
class MalformedRequestsTest {

    record Bad(String method, String path, String contentType, String body) {
    }

    static final String BIG = "x".repeat(25_000);
    static final List<String> BROKEN_JSON = List.of("{", "}", "[", "{\"a\":}", "{'a': 1}", "nul", "{\"a\" 1}", "\"unterminated",
            "{\"content\": \"x\",}", "\u0000", "{\"content\": \"x\"} trailing", "[1,2,", "{{}}");
    static final List<String> NOT_AN_INT = List.of("\"abc\"", "true", "[]", "{}", "\"\"", "99999999999999999999");
    static final List<String> NOT_A_STRING = List.of("123", "true", "[]", "{}", "[\"a\"]");

    static List<Bad> requests() {
        List<Bad> out = new ArrayList<>();
        String json = "application/json";
        for (String path : List.of("/api/backfills", "/api/questions", "/api/questions/search", "/api/questions/duplicates", "/api/keys")) {
            for (String body : BROKEN_JSON) {
                out.add(new Bad("POST", path, json, body));
            }
            out.add(new Bad("POST", path, "text/plain", "hello"));
            out.add(new Bad("POST", path, "application/xml", "<a/>"));
            out.add(new Bad("POST", path, json, "[1, 2, 3]"));
            out.add(new Bad("POST", path, json, "42"));
        }
        // backfills: each field wrong
        for (String field : List.of("batchSize", "concurrency", "dimensions")) {
            for (String v : NOT_AN_INT) {
                out.add(new Bad("POST", "/api/backfills", json, "{\"" + field + "\": " + v + "}"));
            }
            for (String v : List.of("0", "-1", "-2147483648", "2147483647", "100000", "1.5", "2.0e1")) {
                out.add(new Bad("POST", "/api/backfills", json, "{\"" + field + "\": " + v + "}"));
            }
        }
        for (String v : List.of("\"FOO\"", "\"missing\"", "\"\"", "5", "[]", "{}", "\"ALL; drop table questions\"")) {
            out.add(new Bad("POST", "/api/backfills", json, "{\"scope\": " + v + "}"));
        }
        for (String v : List.of("\"\"", "\"no-such-model\"", "123", "\"" + "m".repeat(300) + "\"", "\"text-embedding-ada-002\"")) {
            out.add(new Bad("POST", "/api/backfills", json, "{\"model\": " + v + "}"));
        }
        // questions
        for (String v : List.of("null", "\"\"", "\"   \"", "\"" + BIG + "\"")) {
            out.add(new Bad("POST", "/api/questions", json, "{\"content\": " + v + "}"));
        }
        for (String v : NOT_A_STRING) {
            out.add(new Bad("POST", "/api/questions", json, "{\"content\": " + v + "}"));
            out.add(new Bad("POST", "/api/questions", json, "{\"content\": \"ok\", \"title\": " + v + "}"));
        }
        out.add(new Bad("POST", "/api/questions", json, "{}"));
        out.add(new Bad("POST", "/api/questions", json, "{\"title\": \"only a title\"}"));
        out.add(new Bad("POST", "/api/questions", json, "{\"content\": \"ok\", \"title\": \"" + "t".repeat(501) + "\"}"));
        for (String v : List.of("\"x\"", "[\"\"]", "[\"  \"]", "[null]", "[1]", "[[]]", "{}", "[" + "\"s\",".repeat(50) + "\"s\"]",
                "[\"" + BIG + "\"]")) {
            out.add(new Bad("POST", "/api/questions", json, "{\"content\": \"ok\", \"solutions\": " + v + "}"));
        }
        // search and duplicates
        for (String v : List.of("null", "\"\"", "\" \"", "123", "[]", "\"" + "q".repeat(9000) + "\"")) {
            out.add(new Bad("POST", "/api/questions/search", json, "{\"query\": " + v + "}"));
            out.add(new Bad("POST", "/api/questions/duplicates", json, "{\"content\": " + v + "}"));
        }
        for (String v : List.of("2", "-2", "1.0001", "\"high\"", "[]", "1e309")) {
            out.add(new Bad("POST", "/api/questions/search", json, "{\"query\": \"ok\", \"threshold\": " + v + "}"));
            out.add(new Bad("POST", "/api/questions/duplicates", json, "{\"content\": \"ok\", \"threshold\": " + v + "}"));
        }
        for (String v : List.of("0", "-1", "101", "\"ten\"", "99999999999")) {
            out.add(new Bad("POST", "/api/questions/search", json, "{\"query\": \"ok\", \"limit\": " + v + "}"));
            out.add(new Bad("POST", "/api/questions/duplicates", json, "{\"content\": \"ok\", \"limit\": " + v + "}"));
        }
        // keys
        for (String body : List.of("{}", "{\"name\": \"x\"}", "{\"role\": \"viewer\"}", "{\"name\": \"\", \"role\": \"viewer\"}",
                "{\"name\": \"x\", \"role\": \"admin\"}", "{\"name\": \"x\", \"role\": 1}", "{\"name\": 5, \"role\": \"viewer\"}",
                "{\"name\": \"" + "n".repeat(101) + "\", \"role\": \"viewer\"}",
                "{\"name\": \"x\", \"role\": \"viewer\", \"expiresInDays\": 0}",
                "{\"name\": \"x\", \"role\": \"viewer\", \"expiresInDays\": -3}",
                "{\"name\": \"x\", \"role\": \"viewer\", \"expiresInDays\": 100000}",
                "{\"name\": \"x\", \"role\": \"viewer\", \"expiresInDays\": \"soon\"}")) {
            out.add(new Bad("POST", "/api/keys", json, body));
        }
        // bad ids and query parameters
        for (String id : List.of("abc", "-1", "0", "99999999999999999999", "1.5", "%27%3B", "null", "999999")) {
            out.add(new Bad("GET", "/api/backfills/" + id, null, null));
            out.add(new Bad("POST", "/api/backfills/" + id + "/pause", null, null));
            out.add(new Bad("POST", "/api/backfills/" + id + "/resume", null, null));
            out.add(new Bad("POST", "/api/backfills/" + id + "/cancel", null, null));
            out.add(new Bad("GET", "/api/backfills/" + id + "/failures", null, null));
            out.add(new Bad("POST", "/api/backfills/" + id + "/failures/retry", null, null));
            out.add(new Bad("GET", "/api/questions/" + id, null, null));
            out.add(new Bad("POST", "/api/keys/" + id + "/revoke", null, null));
        }
        for (String q : List.of("limit=0", "limit=-5", "limit=100000", "limit=abc", "after=-1", "after=abc")) {
            out.add(new Bad("GET", "/api/backfills/1/failures?" + q, null, null));
        }
        for (String q : List.of("sample=0", "sample=-1", "sample=5000", "sample=abc", "drift=-1", "drift=101", "efSearch=0",
                "efSearch=5000", "minRecall=-0.1", "minRecall=1.5", "maxP95Ms=-1")) {
            out.add(new Bad("GET", "/api/verification?" + q, null, null));
        }
        for (String q : List.of("scope=FOO", "scope=all", "batchSize=0", "batchSize=-1", "batchSize=abc")) {
            out.add(new Bad("GET", "/api/backfills/estimate?" + q, null, null));
        }
        out.add(new Bad("GET", "/api/models/no-such-model", null, null));
        out.add(new Bad("DELETE", "/api/backfills", null, null));
        out.add(new Bad("PUT", "/api/migration/apply", null, null));
        return out;
    }

    @Test
    void everyMalformedRequestGetsA4xxProblem() {
        List<Bad> all = requests();
        assertThat(all.size()).isGreaterThanOrEqualTo(200);
        List<String> wrong = new ArrayList<>();
        for (Bad bad : all) {
            var spec = given();
            if (bad.contentType() != null) {
                spec = spec.contentType(bad.contentType()).body(bad.body());
            }
            Response r = spec.request(bad.method(), bad.path());
            boolean ok = r.statusCode() >= 400 && r.statusCode() < 500 && r.contentType().startsWith("application/problem+json")
                    && r.jsonPath().getInt("status") == r.statusCode();
            if (!ok) {
                wrong.add(r.statusCode() + " " + r.contentType() + " for " + bad.method() + " " + bad.path() + " "
                        + (bad.body() == null ? "" : bad.body().substring(0, Math.min(80, bad.body().length()))));
            }
        }
        assertThat(wrong).as("of %d malformed requests", all.size()).isEmpty();
        assertThat(given().get("/api/backfills").then().extract().jsonPath().getList("$")).as("no run was started").isEmpty();
    }
}
