package dev.reembed.tenant;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Issue 16: tenants discovered from companies, each held at version 2 at start-up, moved across
 * all at once (the bad ones reported and skipped), backfilled each in its own schema and searched
 * there, with the API of one tenant never reaching another's rows.
 */
@QuarkusTest
@TestProfile(TenantProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @Test
    @Order(1)
    void discoveryListsTheServedTenantsAndSaysWhyTheOthersAreSkipped() {
        JsonPath tenants = given().get("/api/tenants").then().statusCode(200).extract().jsonPath();
        assertThat(tenants.getList("schema", String.class))
                .containsExactly("Bad-Name\"; drop table companies; --", "acme", "ghost", "globex", "initech", "umbrella");
        assertThat(tenant(tenants, "acme").get("migration.currentVersion").toString()).startsWith("2.");
        assertThat(tenant(tenants, "acme").getString("migration.column")).isEqualTo("vector(768)");
        assertThat(tenant(tenants, "acme").getString("target.model")).isEqualTo("gemini-embedding-001");
        assertThat(tenant(tenants, "acme").getInt("target.dimensions")).isEqualTo(1536);
        assertThat(tenant(tenants, "initech").getString("target.model")).isEqualTo("text-embedding-3-small");
        assertThat(tenant(tenants, "ghost").getString("problem")).contains("does not exist");
        assertThat(tenant(tenants, "Bad-Name\"; drop table companies; --").getString("problem")).contains("not a valid identifier");
        assertThat(tenant(tenants, "umbrella").getString("problem")).contains("no-such-model");
        // Held at 2 like a production start, each in its own schema with its own history; the bad ones untouched.
        assertThat(TestDb.number(db, "select count(*) from acme.flyway_schema_history where version = '3'")).isZero();
        assertThat(TestDb.number(db, "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                + "where n.nspname = 'umbrella' and c.relname = 'questions'")).isZero();
        assertThat(TestDb.number(db, "select count(*) from companies")).isEqualTo(8);
    }

    @Test
    @Order(2)
    void unknownOrSkippedTenantsInAPathAreProblems() {
        given().get("/api/tenants/nosuch/migration").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("nosuch"));
        given().get("/api/tenants/Bad-Name/migration").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/tenants/ghost/migration").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("does not exist"));
        given().get("/api/tenants/hooli/migration").then().statusCode(404); // suspended: not served
        given().get("/api/tenants/acme/keys").then().statusCode(404).body("detail", containsString("not offered per tenant"));
        given().get("/api/tenants/acme/migration").then().statusCode(200).body("column.type", equalTo("vector(768)"));
    }

    @Test
    @Order(3)
    void applyAcrossTenantsMovesEachAndReportsTheOthers() {
        insertQuestions("acme", "How do I reset my password", "Where is the invoice for March", "Can I export my data");
        insertQuestions("globex", "How do I cancel my subscription", "Which plans include SSO");
        JsonPath outcomes = given().post("/api/tenants/migration/apply").then().statusCode(200).extract().jsonPath();
        assertThat(outcome(outcomes, "acme")).isEqualTo("DONE");
        assertThat(outcome(outcomes, "globex")).isEqualTo("DONE");
        assertThat(outcome(outcomes, "initech")).isEqualTo("DONE");
        assertThat(outcome(outcomes, "ghost")).startsWith("SKIPPED");
        assertThat(outcome(outcomes, "umbrella")).startsWith("SKIPPED");
        assertThat(TestDb.embeddingType(db, "acme")).isEqualTo("vector(1536)");
        assertThat(TestDb.embeddingType(db, "globex")).isEqualTo("vector(1536)");
        assertThat(TestDb.number(db, "select count(*) from acme.questions_embedding_backup")).isEqualTo(3);
        // The service's own store is not a tenant: it stays where it was.
        assertThat(TestDb.number(db, "select count(*) from reembed.flyway_schema_history where version = '3'")).isZero();
    }

    @Test
    @Order(4)
    void backfillAcrossTenantsFillsEachInItsOwnSchemaAndOneFailingStopsNoOther() {
        fake.wordVectors(true);
        JsonPath outcomes = given().contentType("application/json").body(Map.of()).post("/api/tenants/backfills").then()
                .statusCode(200).extract().jsonPath();
        assertThat(outcome(outcomes, "acme")).isEqualTo("DONE");
        assertThat(outcome(outcomes, "globex")).isEqualTo("DONE");
        // initech's model is OpenAI's, and this service embeds with Gemini: that tenant says so, the others run.
        assertThat(outcome(outcomes, "initech")).startsWith("FAILED").contains("text-embedding-3-small");
        long acmeRun = outcomes.getLong("find { it.schema == 'acme' }.result.id");
        long globexRun = outcomes.getLong("find { it.schema == 'globex' }.result.id");
        awaitCompleted("acme", acmeRun);
        awaitCompleted("globex", globexRun);
        assertThat(TestDb.number(db, "select count(*) from acme.questions where embedding is not null "
                + "and vector_dims(embedding) = 1536 and embedding_model = 'gemini-embedding-001'")).isEqualTo(3);
        assertThat(TestDb.number(db, "select count(*) from globex.questions where embedding is not null")).isEqualTo(2);
        JsonPath tenants = given().get("/api/tenants").then().statusCode(200).extract().jsonPath();
        assertThat(tenant(tenants, "acme").getString("lastRun.status")).isEqualTo("COMPLETED");
        assertThat(tenant(tenants, "acme").getDouble("lastRun.percent")).isEqualTo(100.0);
    }

    @Test
    @Order(5)
    void aTenantsSearchAndQuestionsSeeOnlyItsOwnRows() {
        List<String> found = given().contentType("application/json").body(Map.of("query", "subscription plans", "threshold", -1.0, "limit", 10))
                .post("/api/tenants/globex/questions/search").then().statusCode(200).extract().jsonPath().getList("title");
        assertThat(found).containsExactlyInAnyOrder("How do I cancel my subscription", "Which plans include SSO");
        given().get("/api/tenants/acme/verification").then().statusCode(200);
        String location = given().contentType("application/json")
                .body(Map.of("title", "How do I add a teammate", "content", "Invite a colleague to the workspace"))
                .post("/api/tenants/acme/questions").then().statusCode(201).extract().header("Location");
        assertThat(location).contains("/api/tenants/acme/questions/");
        assertThat(TestDb.number(db, "select count(*) from acme.questions")).isEqualTo(4);
        assertThat(TestDb.number(db, "select count(*) from globex.questions")).isEqualTo(2);
        assertThat(TestDb.number(db, "select count(*) from reembed.questions")).isZero();
    }

    @Test
    @Order(6)
    void aCompanyAddedOrSuspendedIsSeenWithoutARestart() {
        TestDb.exec(db, "create schema newco");
        TestDb.exec(db, "insert into companies (company_name, schema_name) values ('NewCo', 'newco')");
        given().get("/api/tenants").then().statusCode(200).body("find { it.schema == 'newco' }.companyName", equalTo("NewCo"));
        given().get("/api/tenants/newco/migration").then().statusCode(200).body("column.type", equalTo("vector(768)"));
        TestDb.exec(db, "update companies set status = 'suspended' where schema_name = 'newco'");
        given().get("/api/tenants/newco/migration").then().statusCode(404);
        assertThat(given().get("/api/tenants").then().statusCode(200).extract().jsonPath().getList("schema", String.class))
                .doesNotContain("newco");
    }

    @Test
    @Order(7)
    void aKeyLimitedToATenantReachesOnlyThatTenant() {
        given().contentType("application/json").body(Map.of("name", "bad", "role", "viewer", "tenants", List.of("Bad-Name")))
                .post("/api/keys").then().statusCode(400).contentType("application/problem+json");
        JsonPath created = given().contentType("application/json")
                .body(Map.of("name", "acme support", "role", "operator", "tenants", List.of("acme")))
                .post("/api/keys").then().statusCode(201).body("tenants", equalTo(List.of("acme"))).extract().jsonPath();
        String acmeKey = "Bearer " + created.getString("key");
        assertThat(given().header("Authorization", acmeKey).get("/api/tenants").then().statusCode(200).extract().jsonPath()
                .getList("schema", String.class)).containsExactly("acme");
        given().header("Authorization", acmeKey).get("/api/tenants/acme/migration").then().statusCode(200);
        // Another tenant looks exactly like one that does not exist.
        String other = given().header("Authorization", acmeKey).get("/api/tenants/globex/migration").then().statusCode(404)
                .contentType("application/problem+json").extract().path("detail");
        String none = given().header("Authorization", acmeKey).get("/api/tenants/globez/migration").then().statusCode(404)
                .extract().path("detail");
        assertThat(other.replace("globex", "X")).isEqualTo(none.replace("globez", "X"));
        given().header("Authorization", acmeKey).contentType("application/json").body(Map.of("query", "plans", "threshold", -1.0))
                .post("/api/tenants/globex/questions/search").then().statusCode(404);
        given().header("Authorization", acmeKey).get("/api/migration").then().statusCode(404)
                .body("detail", containsString("limited to tenants"));
        given().header("Authorization", acmeKey).get("/api/keys").then().statusCode(403);
        JsonPath outcomes = given().header("Authorization", acmeKey).post("/api/tenants/migration/apply").then().statusCode(200)
                .extract().jsonPath();
        assertThat(outcomes.getList("schema", String.class)).containsExactly("acme");
    }

    @Test
    @Order(8)
    void aSmallTenantIsNotStuckBehindALargeOne() {
        // Two shared workers (TenantProfile): the large run may hold both, and still the small one's
        // batch is taken in turn rather than after the large run ends.
        TestDb.exec(db, "insert into acme.questions (title, content) select 'Bulk question ' || g, 'Bulk content ' || g "
                + "from generate_series(1, 600) g");
        TestDb.exec(db, "insert into globex.questions (title, content) values ('How do I change my plan', 'Plans page')");
        fake.latency(50);
        try {
            long large = given().contentType("application/json").body(Map.of("batchSize", 10, "concurrency", 2, "scope", "MISSING"))
                    .post("/api/tenants/acme/backfills").then().statusCode(202).extract().jsonPath().getLong("id");
            awaitStatus("acme", large, "RUNNING");
            long small = given().contentType("application/json").body(Map.of("batchSize", 10, "scope", "MISSING"))
                    .post("/api/tenants/globex/backfills").then().statusCode(202).extract().jsonPath().getLong("id");
            awaitCompleted("globex", small);
            JsonPath largeRun = given().get("/api/tenants/acme/backfills/" + large).then().statusCode(200).extract().jsonPath();
            assertThat(largeRun.getString("status")).isEqualTo("RUNNING");
            assertThat(largeRun.getLong("remaining")).isPositive();
            awaitCompleted("acme", large);
        } finally {
            fake.latency(0);
        }
    }

    @Test
    @Order(9)
    void aTenantsDatabaseRoleReadsOnlyItsOwnRows() throws Exception {
        String role = TenantProfile.rolePrefix() + "acme";
        TestDb.exec(db, "create role " + role + " login password 'tenant-pw'");
        try {
            // A grant too many (both schemas): row-level security still keeps globex's rows from acme's role.
            TestDb.exec(db, "grant usage on schema acme, globex, public to " + role);
            TestDb.exec(db, "grant select on acme.questions, globex.questions to " + role);
            try (Connection c = DriverManager.getConnection(ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url",
                    String.class), role, "tenant-pw"); Statement st = c.createStatement()) {
                assertThat(count(st, "select count(*) from acme.questions")).isEqualTo(
                        TestDb.number(db, "select count(*) from acme.questions")).isPositive();
                assertThat(count(st, "select count(*) from globex.questions")).isZero();
            }
            assertThat(TestDb.number(db, "select count(*) from globex.questions")).as("the service reads them all").isPositive();
        } finally {
            TestDb.exec(db, "revoke all on acme.questions, globex.questions from " + role);
            TestDb.exec(db, "revoke all on schema acme, globex, public from " + role);
            TestDb.exec(db, "drop role " + role);
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows as a production tenant has them before the change: text-embedding-004 vectors (768 d). */
    private void insertQuestions(String schema, String... titles) {
        for (int i = 0; i < titles.length; i++) {
            TestDb.exec(db, "insert into " + schema + ".questions (title, content, embedding, embedding_model) values ('" + titles[i]
                    + "', '" + titles[i] + ": the answer is in the help centre', '" + TestDb.vectorLiteral(768, i, 0.1)
                    + "', 'text-embedding-004')");
        }
    }

    private void awaitCompleted(String schema, long runId) {
        awaitStatus(schema, runId, "COMPLETED");
    }

    private void awaitStatus(String schema, long runId, String wanted) {
        Instant deadline = Instant.now().plus(PATIENCE);
        String status = "";
        while (Instant.now().isBefore(deadline)) {
            status = given().get("/api/tenants/" + schema + "/backfills/" + runId).then().statusCode(200).extract().path("status");
            if (wanted.equals(status)) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("Run " + runId + " of " + schema + " is " + status + " after " + PATIENCE + ", not " + wanted);
    }

    private static JsonPath tenant(JsonPath all, String schema) {
        return new JsonPath(all.prettify()).setRootPath("find { it.schema == '" + schema.replace("'", "\\'") + "' }");
    }

    /** The tenant's outcome, with its detail when it is not the one expected. */
    private static String outcome(JsonPath all, String schema) {
        String outcome = all.getString("find { it.schema == '" + schema + "' }.outcome");
        String detail = all.getString("find { it.schema == '" + schema + "' }.detail");
        return detail == null ? outcome : outcome + " (" + detail + ")";
    }
}
