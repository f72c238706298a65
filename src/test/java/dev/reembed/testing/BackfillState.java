package dev.reembed.testing;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.schema.HnswIndex;

/**
 * A quiet, empty store for tests that run backfills in a database shared across test classes
 * ({@link FakeGeminiProfile}): no active run, no call of an ended run still in flight, no index
 * build going on, the search index as V3 made it, no questions, a fake that remembers nothing.
 */
public final class BackfillState {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private BackfillState() {
    }

    public static void clear(DataSource db, FakeGeminiApi fake) {
        cancelActive();
        fake.reset(); // held calls return, so that their workers can let their rows go
        // A worker holds its rows LEASED from the lease until it has written or released them after
        // its call: none left means no call of an ended run can still reach the fake or the store.
        await(() -> TestDb.number(db, "select count(*) from backfill_items where state = 'LEASED'") == 0,
                "the workers of cancelled runs let their rows go");
        fake.reset();
        empty(db);
        // A build of a cancelled run may still be going on, and an interrupted one leaves an invalid index.
        await(() -> TestDb.number(db, "select count(*) from pg_stat_progress_create_index") == 0, "index builds ended");
        if ("false".equals(TestDb.string(db, "select i.indisvalid::text from pg_index i join pg_class c on c.oid = i.indexrelid "
                + "where c.relname = '" + HnswIndex.NAME + "'"))) {
            TestDb.exec(db, "drop index " + HnswIndex.NAME);
        }
        TestDb.exec(db, new HnswIndex(16, 64).createDdl(true)); // if not exists; the V3 defaults
    }

    /** Empties the store and the backfill state. */
    public static void empty(DataSource db) {
        TestDb.exec(db, "truncate table backfill_runs, backfill_items, backfill_failures, solutions, questions restart identity cascade");
    }

    public static void cancelActive() {
        for (Object id : given().get("/api/backfills").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.status in ['QUEUED','RUNNING','PAUSED'] }.id")) {
            given().post("/api/backfills/" + id + "/cancel");
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not reached in " + PATIENCE + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
