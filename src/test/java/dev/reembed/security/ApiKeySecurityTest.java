package dev.reembed.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.reembed.testing.OperatorKey;
import dev.reembed.testing.OwnDatabaseProfile;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** 401 / 403 / allowed for each role on every endpoint; keys made, used, revoked; audit; no key in the logs. */
@QuarkusTest
@TestProfile(OwnDatabaseProfile.class) // rollback is among the calls
class ApiKeySecurityTest {

    record Call(String method, String path, String body) {
    }

    /** viewer may make these. */
    static final List<Call> READS = List.of(
            new Call("GET", "/api/migration", null),
            new Call("GET", "/api/migration/preflight", null),
            new Call("GET", "/api/backfills", null),
            new Call("GET", "/api/backfills/1", null),
            new Call("GET", "/api/backfills/1/failures", null),
            new Call("GET", "/api/backfills/estimate", null),
            new Call("GET", "/api/verification?sample=1", null),
            new Call("GET", "/api/models", null),
            new Call("GET", "/api/models/gemini-embedding-001", null),
            new Call("GET", "/api/me", null),
            new Call("GET", "/api/questions/1", null),
            new Call("POST", "/api/questions/search", "{\"query\":\"rotate a pdf\"}"),
            new Call("POST", "/api/questions/duplicates", "{\"content\":\"rotate a pdf\"}"));

    /** Only operator may make these. */
    static final List<Call> MUTATIONS = List.of(
            new Call("POST", "/api/migration/apply", null),
            new Call("POST", "/api/migration/rollback", null),
            new Call("POST", "/api/backfills", "{}"),
            new Call("POST", "/api/backfills/1/pause", null),
            new Call("POST", "/api/backfills/1/resume", null),
            new Call("POST", "/api/backfills/1/cancel", null),
            new Call("POST", "/api/backfills/1/failures/retry", null),
            new Call("POST", "/api/questions", "{\"content\":\"How do I rotate a PDF page?\"}"),
            new Call("GET", "/api/keys", null),
            new Call("POST", "/api/keys", "{\"name\":\"ci\",\"role\":\"viewer\"}"),
            new Call("POST", "/api/keys/999999/revoke", null));

    @Inject
    AgroalDataSource db;

    final List<String> logged = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String msg = r.getMessage();
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    msg += " " + p;
                }
            }
            logged.add(msg + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLogs() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void stopCapture() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
    }

    /** The operator's rollback undone: the other classes of the profile expect the target schema. */
    @AfterEach
    void schemaAtTheTarget() {
        given().post("/api/migration/apply").then().statusCode(200);
    }

    private static Response send(Call call, String authorization) {
        var spec = given().header("Authorization", authorization == null ? "" : authorization).contentType("application/json");
        if (call.body() != null) {
            spec = spec.body(call.body());
        }
        return "GET".equals(call.method()) ? spec.get(call.path()) : spec.post(call.path());
    }

    private String newKey(String role) {
        return given().contentType("application/json").body(Map.of("name", "test " + role, "role", role)).post("/api/keys")
                .then().statusCode(201).extract().path("key");
    }

    @Test
    void everyEndpointNeedsAKeyAndTheRightRole() {
        String viewer = "Bearer " + newKey("viewer");
        for (Call call : concat(READS, MUTATIONS)) {
            assertThat(send(call, null).statusCode()).as("%s %s without a key", call.method(), call.path()).isEqualTo(401);
            Response bad = send(call, "Bearer rk_not-a-real-key");
            assertThat(bad.statusCode()).as("%s %s with a bad key", call.method(), call.path()).isEqualTo(401);
            assertThat(bad.contentType()).startsWith("application/problem+json");
            assertThat(send(call, "Basic dXNlcjpwYXNz").statusCode()).isEqualTo(401);
        }
        for (Call call : READS) {
            assertThat(send(call, viewer).statusCode()).as("viewer: %s %s", call.method(), call.path()).isNotIn(401, 403).isLessThan(500);
        }
        for (Call call : MUTATIONS) {
            Response r = send(call, viewer);
            assertThat(r.statusCode()).as("viewer: %s %s", call.method(), call.path()).isEqualTo(403);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        for (Call call : concat(READS, MUTATIONS)) {
            assertThat(send(call, OperatorKey.bearer()).statusCode()).as("operator: %s %s", call.method(), call.path())
                    .isNotIn(401, 403).isLessThan(500);
        }
    }

    @Test
    void keysAreStoredHashedAndCanBeRevokedOrExpire() {
        var created = given().contentType("application/json").body(Map.of("name", "dashboard", "role", "viewer", "expiresInDays", 30))
                .post("/api/keys").then().statusCode(201).extract().jsonPath();
        String key = created.getString("key");
        long id = created.getLong("id");
        assertThat(key).startsWith("rk_").hasSizeGreaterThan(40);
        assertThat(created.getString("keyPrefix")).isEqualTo(key.substring(0, 10));
        assertThat(TestDb.string(db, "select key_hash from api_keys where id = ?", id))
                .isEqualTo(ApiKeyService.hash(key)).doesNotContain(key);
        assertThat(TestDb.number(db, "select count(*) from api_keys where key_hash like ?", "%" + key + "%")).isZero();

        given().header("Authorization", "Bearer " + key).get("/api/me").then().statusCode(200)
                .body("role", equalTo("viewer")).body("keyPrefix", equalTo(key.substring(0, 10)));
        assertThat(TestDb.string(db, "select last_used_at is not null from api_keys where id = ?", id)).isEqualTo("t");
        given().get("/api/keys").then().statusCode(200).body("find { it.id == " + id + " }.keyPrefix", equalTo(key.substring(0, 10)));
        assertThat(given().get("/api/keys").asString()).doesNotContain(key);

        given().post("/api/keys/" + id + "/revoke").then().statusCode(204);
        given().header("Authorization", "Bearer " + key).get("/api/me").then().statusCode(401);
        given().post("/api/keys/" + id + "/revoke").then().statusCode(409);

        String expiring = newKey("operator");
        TestDb.exec(db, "update api_keys set created_at = now() - interval '2 days', expires_at = now() - interval '1 day' "
                + "where key_hash = '" + ApiKeyService.hash(expiring) + "'");
        given().header("Authorization", "Bearer " + expiring).get("/api/me").then().statusCode(401);

        given().contentType("application/json").body(Map.of("name", " ", "role", "viewer")).post("/api/keys").then().statusCode(400);
        given().contentType("application/json").body(Map.of("name", "x", "role", "admin")).post("/api/keys").then().statusCode(400);
    }

    @Test
    void operatorActionsAreAudited() {
        String operator = newKey("operator");
        String prefix = operator.substring(0, 10);
        given().header("Authorization", "Bearer " + operator).post("/api/backfills/424242/pause").then().statusCode(404);
        given().header("Authorization", "Bearer " + operator).get("/api/backfills").then().statusCode(200);
        assertThat(TestDb.string(db, "select action || ' ' || target || ' ' || status from audit_log where key_prefix = ? order by id", prefix))
                .isEqualTo("POST /api/backfills/424242/pause backfills/424242 404");
        assertThat(TestDb.number(db, "select count(*) from audit_log where key_prefix = ?", prefix)).as("reads are not audited").isEqualTo(1);
    }

    @Test
    void noKeyEverReachesTheLogs() {
        String made = newKey("operator");
        given().header("Authorization", "Bearer " + made).get("/api/me").then().statusCode(200);
        given().header("Authorization", "Bearer rk_wrong-" + made).get("/api/me").then().statusCode(401);
        given().header("Authorization", "Bearer " + made).contentType("application/json").body("{\"name\":").post("/api/keys")
                .then().statusCode(400);
        assertThat(logged).isNotEmpty();
        assertThat(logged).noneMatch(l -> l.contains(made) || l.contains(OperatorKey.KEY) || l.contains(made.substring(10)));
    }

    private static List<Call> concat(List<Call> a, List<Call> b) {
        List<Call> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
