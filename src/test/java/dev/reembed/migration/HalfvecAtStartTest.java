package dev.reembed.migration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.reembed.testing.ScratchDatabaseResource;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * start-target latest with a 3072-d target: Flyway stops below V3 at start and the halfvec change
 * is made at StartupEvent, V3 recorded as marked. Two callers at once (replicas starting together)
 * make it once.
 */
@QuarkusTest
@TestProfile(HalfvecAtStartTest.LatestAt3072.class)
class HalfvecAtStartTest {

    public static class LatestAt3072 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("reembed.migration.start-target", "latest", "reembed.target.model", "gemini-embedding-001",
                    "reembed.target.dimensions", "3072");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScratchDatabaseResource.class));
        }
    }

    @Inject
    AgroalDataSource db;

    @Inject
    EmbeddingChange change;

    @Test
    void theChangeWasMadeAtStartAndRacersMakeItOnce() throws Exception {
        assertThat(columnType()).isEqualTo("halfvec(3072)");
        assertThat(TestDb.string(db, "select installed_by || ' ' || success from flyway_schema_history where version = '3'"))
                .isEqualTo(MigrationRepository.V3_MARKED_BY + " true");
        given().get("/api/migration").then().statusCode(200)
                .body("currentVersion", equalTo("3"))
                .body("applied.version", hasItem("3"))
                .body("pending.size()", equalTo(0));
        assertThat(change.applyIfPending().ran()).as("recorded: nothing to do").isFalse();

        // Back to version 2, then two replicas' start-ups at once: one makes the change, the other finds V3 recorded.
        given().post("/api/migration/rollback").then().statusCode(200).body("column.dimensions", equalTo(768));
        assertThat(columnType()).isEqualTo("vector(768)");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Boolean> start = () -> change.applyIfPending().ran();
            List<Future<Boolean>> results = pool.invokeAll(List.of(start, start));
            assertThat(List.of(results.get(0).get(), results.get(1).get())).containsExactlyInAnyOrder(true, false);
        } finally {
            pool.shutdownNow();
        }
        assertThat(columnType()).isEqualTo("halfvec(3072)");
        assertThat(TestDb.number(db, "select count(*) from flyway_schema_history where version = '3'")).isEqualTo(1);
    }

    private String columnType() {
        return TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute "
                + "where attrelid = 'questions'::regclass and attname = 'embedding'");
    }
}
