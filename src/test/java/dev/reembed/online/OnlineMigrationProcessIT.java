package dev.reembed.online;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ScratchDatabase;
import dev.reembed.testing.ServiceProcess;

/**
 * Issue 15, item 4: the online migration (gemini-embedding-001 @1536 vector → @3072 halfvec) as a
 * real process, killed with SIGKILL in each phase and started again: during the shadow's backfill,
 * during its CREATE INDEX CONCURRENTLY, while the swap waits for its lock, right after the cutover,
 * and while finalize's DROP INDEX CONCURRENTLY waits. After each restart the migration is where it
 * was (or carries on), the schema is never half-renamed, and searches through the API answer 200
 * whenever a process is up.
 */
class OnlineMigrationProcessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROWS = 3000;
    private static final String START = "{\"model\":\"gemini-embedding-001\",\"dimensions\":3072,\"batchSize\":20,\"concurrency\":2}";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ScratchDatabase db;
    private FakeGeminiApi fake;

    /** The process searches go to; null while none is up (between a kill and the next start). */
    private final AtomicReference<ServiceProcess> up = new AtomicReference<>();
    private final List<String> searchFailures = new CopyOnWriteArrayList<>();
    /** 4xx answers (not failures of the process, but refusals a user sees), with the step they came in. */
    private final List<String> searchRefusals = new CopyOnWriteArrayList<>();
    private volatile String step = "seed";
    private final AtomicLong searchesAnswered = new AtomicLong();
    private ScheduledExecutorService load;

    @BeforeEach
    void setUp() throws Exception {
        db = new ScratchDatabase();
        fake = new FakeGeminiApi();
        fake.latency(100);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (load != null) {
            load.shutdownNow();
        }
        fake.close();
        db.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = ServiceProcess.againstFakeGemini(db.config, fake);
        env.put("REEMBED_BACKFILL_LEASE_DURATION", "3s"); // a dead process's batch comes back quickly
        env.put("REEMBED_BACKFILL_LEASE_RENEWAL", "1s");
        env.put("REEMBED_ONLINE_POLL_INTERVAL", "0.2s");
        env.put("REEMBED_ONLINE_MAINTENANCE_WORK_MEM", "64MB");
        return env;
    }

    @Test
    void aKilledServiceCarriesTheMigrationOnFromEveryPhase() throws Exception {
        long id;
        long runId;
        Set<String> committed;
        int mark;

        step = "backfilling";
        // 1. BACKFILLING: killed after some rows of the shadow are written.
        try (ServiceProcess first = started("online-crash-backfill")) {
            seed(ROWS);
            JsonNode live = post(first, "/api/backfills", "{\"batchSize\":100,\"concurrency\":4}", 202);
            awaitJson(first, "/api/backfills/" + live.path("id").asLong(), r -> "COMPLETED".equals(r.path("status").asText()),
                    Duration.ofSeconds(120));
            startLoad();
            JsonNode started = post(first, "/api/migration/online", START, 202);
            id = started.path("id").asLong();
            JsonNode m = awaitOnline(first, j -> j.path("coverage").path("done").asLong() >= 500, Duration.ofSeconds(120));
            assertThat(m.path("phase").asText()).isEqualTo("BACKFILLING");
            runId = m.path("backfillRunId").asLong();
            kill(first);
            mark = fake.requests().size();
            committed = new HashSet<>(strings("select content from questions where embedding_next is not null "
                    + "and embedding_next_content_hash = content_hash"));
        }
        assertThat(committed).hasSizeBetween(500, ROWS - 1);
        assertThat(strings("select phase from online_migrations where id = " + id)).containsExactly("BACKFILLING");
        assertThat(strings("select status from backfill_runs where id = " + runId)).containsExactly("RUNNING");

        step = "indexing";
        // 2. INDEXING: the migration is still there and carries on; killed while CREATE INDEX CONCURRENTLY runs.
        long invalidOid;
        try (ServiceProcess second = started("online-crash-index")) {
            JsonNode m = get(second, "/api/migration/online");
            assertThat(m.path("id").asLong()).isEqualTo(id);
            assertThat(m.path("phase").asText()).isEqualTo("BACKFILLING");
            assertThat(m.path("backfillRunId").asLong()).isEqualTo(runId);
            assertThat(m.path("coverage").path("done").asLong()).isGreaterThanOrEqualTo(committed.size());
            invalidOid = awaitShadowIndexBuilding(Duration.ofSeconds(180));
            JsonNode building = get(second, "/api/migration/online");
            assertThat(building.path("phase").asText()).isEqualTo("INDEXING");
            assertThat(building.path("index").path("state").asText()).as(building.toString()).isEqualTo("BUILDING");
            kill(second);
        }
        // A SIGKILLed client's backend builds on until it next writes to the socket; a lost node's
        // connection is cut the same way by TCP keepalive. Cut it now, as the crash would in the end.
        terminateIndexBuild();
        assertThat(strings("select phase from online_migrations where id = " + id)).containsExactly("INDEXING");
        assertThat(strings("select indisvalid::text from pg_index where indexrelid = " + invalidOid))
                .as("the build cut off leaves an INVALID index").containsExactly("false");

        step = "ready";
        // 3. READY after the restart: the INVALID index dropped and built again; then killed while the swap waits for its lock.
        String readyLayout;
        try (ServiceProcess third = started("online-crash-swap")) {
            JsonNode ready = awaitOnline(third, j -> "READY".equals(j.path("phase").asText()), Duration.ofSeconds(180));
            assertThat(ready.path("index").path("state").asText()).isEqualTo("BUILT");
            assertThat(ready.path("coverage").path("done").asLong()).isEqualTo(ready.path("coverage").path("total").asLong())
                    .isEqualTo(ROWS);
            assertThat(ready.path("lastError").isNull()).as(ready.toString()).isTrue();
            assertThat(number("select count(*) from pg_class where oid = " + invalidOid)).as("the INVALID index was dropped").isZero();
            assertThat(strings("select c.oid || ' ' || i.indisvalid || ' ' || am.amname || ' ' || opc.opcname || ' ' || a.attname "
                    + "from pg_class c join pg_index i on i.indexrelid = c.oid join pg_am am on am.oid = c.relam "
                    + "join pg_opclass opc on opc.oid = i.indclass[0] "
                    + "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0] "
                    + "where c.relname = 'idx_questions_embedding_next'")).singleElement().asString()
                    .doesNotStartWith(invalidOid + " ").endsWith(" true hnsw halfvec_cosine_ops embedding_next");
            assertThat(number("select count(*) from pg_index where indrelid = 'questions'::regclass and not indisvalid")).isZero();
            assertThat(number("select count(*) from questions where embedding_next is null "
                    + "or embedding_next_content_hash is distinct from content_hash")).isZero();
            assertThat(reEmbedded(committed, mark)).as("rows committed to the shadow before the kill were not embedded again").isEmpty();
            // Two batches were in flight at the kill; a renewal lost to a deadlock with a batch write (backfill
            // package, seen in these runs) can let one more lease lapse and its rows be sent again.
            assertThat(vectorsOf(3072, 0)).as("each row embedded at 3072 once, but the batches in flight at the kill")
                    .isBetween((long) ROWS, ROWS + 4L * 20);
            System.out.printf("OnlineMigrationProcessIT: %d shadow rows committed at the first kill; %d row texts sent at 3072 in all "
                    + "(%d rows); index rebuilt in %.1f s after the second%n", committed.size(), vectorsOf(3072, 0), ROWS,
                    ready.path("index").path("buildSeconds").asDouble());
            readyLayout = layout();
            assertThat(readyLayout).contains("embedding:vector(1536)", "embedding_next:halfvec(3072)")
                    .doesNotContain("embedding_prev");

            step = "swap-killed";
            // A transaction holding questions keeps the swap waiting for its lock (lock_timeout, retried): kill it then.
            try (Connection holder = db.connect()) {
                holder.setAutoCommit(false);
                try (Statement st = holder.createStatement()) {
                    st.execute("lock table questions in access share mode");
                }
                CompletableFuture<HttpResponse<String>> cutover = http.sendAsync(third.request("/api/migration/online/cutover")
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                awaitSql("select count(*) > 0 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' "
                        + "and query like 'lock table questions in access exclusive mode%'", Duration.ofSeconds(30));
                kill(third);
                assertThat(cutover.handle((r, e) -> r == null ? "no answer" : r.statusCode() + " " + r.body()).get())
                        .isEqualTo("no answer");
                holder.rollback();
            }
        }
        awaitSql("select count(*) = 0 from pg_stat_activity where datname = current_database() "
                + "and query like 'lock table questions in access exclusive mode%'", Duration.ofSeconds(30));
        assertThat(layout()).as("a swap cut off changed nothing").isEqualTo(readyLayout);
        assertThat(strings("select phase from online_migrations where id = " + id)).containsExactly("READY");

        step = "cutover";
        // 4. The cutover, and a kill right after its answer.
        try (ServiceProcess fourth = started("online-crash-cutover")) {
            assertThat(get(fourth, "/api/migration/online").path("phase").asText()).isEqualTo("READY");
            JsonNode cut = post(fourth, "/api/migration/online/cutover", "", 200);
            assertThat(cut.path("phase").asText()).isEqualTo("CUT_OVER");
            kill(fourth);
        }
        String cutLayout = layout();
        assertThat(cutLayout).contains("embedding:halfvec(3072)", "embedding_prev:vector(1536)",
                "idx_questions_embedding:embedding:hnsw:halfvec_cosine_ops:valid",
                "idx_questions_embedding_prev:embedding_prev:hnsw:vector_cosine_ops:valid")
                .doesNotContain("embedding_next", "reembed_match_next");
        assertMatchFunctionTakes(3072, "halfvec");

        step = "after-cutover";
        // 5. After the restart: CUT_OVER as left, searches on the target, and the swap back works.
        try (ServiceProcess fifth = started("online-crash-after-cutover")) {
            JsonNode m = get(fifth, "/api/migration/online");
            assertThat(m.path("phase").asText()).isEqualTo("CUT_OVER");
            assertThat(m.path("liveColumn").asText()).isEqualTo("target");
            assertThat(layout()).isEqualTo(cutLayout);
            assertSearchEmbedsAt(fifth, "after the restart, which deploy error?", 3072);

            step = "swap-back";
            JsonNode back = post(fifth, "/api/migration/online/rollback", "", 200);
            assertThat(back.path("phase").asText()).isEqualTo("READY");
            assertThat(back.path("liveColumn").asText()).isEqualTo("source");
            assertThat(layout()).isEqualTo(readyLayout);
            assertMatchFunctionTakes(1536, "vector");
            assertSearchEmbedsAt(fifth, "after the swap back, which deploy error?", 1536);
            assertThat(back.path("steps").findValuesAsText("phase")).containsSubsequence("PREPARED", "BACKFILLING", "INDEXING",
                    "READY", "CUT_OVER", "READY");

            step = "cutover-again";
            // 6. Cut over again and finalize; killed while finalize's DROP INDEX CONCURRENTLY waits for a reader.
            post(fifth, "/api/migration/online/cutover", "", 200);
            assertThat(layout()).isEqualTo(cutLayout);
            try (Connection holder = db.connect()) {
                holder.setAutoCommit(false);
                try (Statement st = holder.createStatement()) {
                    st.execute("lock table questions in access share mode");
                }
                step = "finalize-killed";
                CompletableFuture<HttpResponse<String>> finalize = http.sendAsync(fifth.request("/api/migration/online/finalize")
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                awaitSql("select count(*) > 0 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' "
                        + "and query ilike 'drop index concurrently%'", Duration.ofSeconds(30));
                kill(fifth);
                assertThat(finalize.handle((r, e) -> r == null ? "no answer" : r.statusCode() + " " + r.body()).get())
                        .isEqualTo("no answer");
                exec("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() "
                        + "and pid <> pg_backend_pid() and query ilike 'drop index concurrently%'");
                holder.rollback();
            }
        }
        awaitSql("select count(*) = 0 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
                + "and query ilike 'drop index concurrently%'", Duration.ofSeconds(30));
        assertThat(strings("select phase || ' ' || closing from online_migrations where id = " + id))
                .as("the finalize was begun and cut off").containsExactly("CUT_OVER FINALIZE");
        assertThat(layout()).contains("embedding:halfvec(3072)", "embedding_prev:vector(1536)",
                "idx_questions_embedding:embedding:hnsw:halfvec_cosine_ops:valid");

        step = "finalized";
        // 7. The restart finishes the finalize: the previous column and its index are gone, searches answer from the target.
        try (ServiceProcess sixth = started("online-crash-finalize")) {
            JsonNode done = awaitOnline(sixth, j -> "FINALIZED".equals(j.path("phase").asText()), Duration.ofSeconds(60));
            assertThat(done.path("closing").isNull()).as(done.toString()).isTrue();
            assertThat(layout()).doesNotContain("embedding_prev", "embedding_next")
                    .contains("embedding:halfvec(3072)", "idx_questions_embedding:embedding:hnsw:halfvec_cosine_ops:valid");
            assertMatchFunctionTakes(3072, "halfvec");
            assertSearchEmbedsAt(sixth, "after the finalize, which deploy error?", 3072);
            HttpResponse<String> again = http.send(sixth.request("/api/migration/online/rollback")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
            stopLoad();
        }
        System.out.printf("OnlineMigrationProcessIT: %d searches answered, %d failed, %d refused: %s%n", searchesAnswered.get(),
                searchFailures.size(), searchRefusals.size(), searchRefusals);
        assertThat(searchesAnswered.get()).as("searches answered while a process was up").isGreaterThan(50);
        assertThat(searchFailures).as("searches while a process was up: no 5xx, no dropped answer").isEmpty();
        // a swap committing between a search's plan and its column guard is planned again, never refused
        assertThat(searchRefusals).as("searches refused around a swap").isEmpty();
    }

    // --- the scenario's steps -------------------------------------------------------------------

    private ServiceProcess started(String log) {
        ServiceProcess p = new ServiceProcess(env(), ServiceProcess.logFile(log)).start();
        up.set(p);
        return p;
    }

    private void kill(ServiceProcess p) throws InterruptedException {
        up.set(null); // searches from now on (and those in flight) may find no one: not a failure
        p.kill();
    }

    /**
     * Waits until pg_stat_progress_create_index shows CREATE INDEX CONCURRENTLY building
     * idx_questions_embedding_next (the index still INVALID); its oid.
     */
    private long awaitShadowIndexBuilding(Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            List<String> row = strings("select p.index_relid::bigint || ' ' || i.indisvalid from pg_stat_progress_create_index p "
                    + "join pg_index i on i.indexrelid = p.index_relid "
                    + "where p.index_relid = to_regclass('idx_questions_embedding_next') and p.phase like 'building index%'");
            if (!row.isEmpty()) {
                String[] parts = row.get(0).split(" ");
                assertThat(parts[1]).as("an index being built concurrently is INVALID").isEqualTo("false");
                return Long.parseLong(parts[0]);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no build of the shadow's index in " + timeout + ": "
                + strings("select phase from online_migrations"));
    }

    private void terminateIndexBuild() throws Exception {
        exec("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() "
                + "and pid <> pg_backend_pid() and query ilike 'create index concurrently%'");
        awaitSql("select count(*) = 0 from pg_stat_activity where datname = current_database() "
                + "and pid <> pg_backend_pid() and query ilike 'create index concurrently%'", Duration.ofSeconds(30));
    }

    /** Texts of rows committed before the kill that were sent again at 3072 after {@code mark}. */
    private Set<String> reEmbedded(Set<String> committed, int mark) {
        List<JsonNode> all = fake.requests();
        Set<String> again = new HashSet<>();
        for (JsonNode body : all.subList(Math.min(mark, all.size()), all.size())) {
            for (JsonNode item : body.path("requests")) {
                String text = item.path("content").path("parts").path(0).path("text").asText();
                if (item.path("outputDimensionality").asInt() == 3072 && committed.contains(text)) {
                    again.add(text);
                }
            }
        }
        return again;
    }

    /** Row texts (not searches) sent at {@code dims} from request {@code from} on. */
    private long vectorsOf(int dims, int from) {
        List<JsonNode> all = fake.requests();
        long n = 0;
        for (JsonNode body : all.subList(from, all.size())) {
            for (JsonNode item : body.path("requests")) {
                if (item.path("outputDimensionality").asInt() == dims
                        && item.path("content").path("parts").path(0).path("text").asText().startsWith("How do I fix error ")) {
                    n++;
                }
            }
        }
        return n;
    }

    private void assertSearchEmbedsAt(ServiceProcess p, String query, int dims) throws Exception {
        HttpResponse<String> r = http.send(p.request("/api/questions/search").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"" + query + "\",\"threshold\":-1,\"limit\":5}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Reembed-Search-Column")).hasValue("embedding");
        assertThat(JSON.readTree(r.body()).size()).isEqualTo(5);
        List<Integer> sentAt = new ArrayList<>();
        for (JsonNode body : fake.requests()) {
            for (JsonNode item : body.path("requests")) {
                if (item.path("content").path("parts").path(0).path("text").asText().contains(query)) {
                    sentAt.add(item.path("outputDimensionality").asInt());
                }
            }
        }
        assertThat(sentAt).as("the query was embedded with the live column's model").isNotEmpty().containsOnly(dims);
    }

    /** match_questions_with_solutions answers a vector(dims) query, and compares against the column's storage. */
    private void assertMatchFunctionTakes(int dims, String storage) throws SQLException {
        assertThat(strings("select prosrc from pg_proc where proname = 'match_questions_with_solutions'")).singleElement()
                .asString().contains("q.embedding <=> query_embedding::" + storage + "(" + dims + ")");
        assertThat(number("select count(*) from match_questions_with_solutions((select embedding::vector(" + dims
                + ") from questions order by id limit 1), -1, 5)")).isEqualTo(5);
    }

    /**
     * The store's layout: columns with types; each index on questions with its column, method,
     * opclass and validity; the search functions.
     */
    private String layout() throws SQLException {
        return String.join(",", strings("""
                select x from (
                  select attname || ':' || format_type(atttypid, atttypmod) as x from pg_attribute
                  where attrelid = 'questions'::regclass and attnum > 0 and not attisdropped and attname like 'embed%'
                  union all
                  select c.relname || ':' || a.attname || ':' || am.amname || ':' || opc.opcname || ':'
                         || case when i.indisvalid then 'valid' else 'INVALID' end
                  from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
                  join pg_opclass opc on opc.oid = i.indclass[0]
                  join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                  where i.indrelid = 'questions'::regclass and c.relname like 'idx_questions_embedding%'
                  union all
                  select proname || '(' || pg_get_function_arguments(oid) || ')' from pg_proc
                  where proname in ('match_questions_with_solutions', 'reembed_match_next')) t
                order by x"""));
    }

    // --- searches throughout ---------------------------------------------------------------------

    /** Five searches a second to whichever process is up; any answer but 200, or no answer from a live process, is a failure. */
    private void startLoad() {
        load = Executors.newScheduledThreadPool(4);
        AtomicLong n = new AtomicLong();
        load.scheduleAtFixedRate(() -> {
            ServiceProcess p = up.get();
            if (p == null) {
                return;
            }
            String query = "search " + n.incrementAndGet() + ": the service fails on deploy";
            try {
                HttpResponse<String> r = http.send(p.request("/api/questions/search").header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"" + query + "\",\"threshold\":-1,\"limit\":10}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    searchesAnswered.incrementAndGet();
                } else if (r.statusCode() < 500) {
                    searchRefusals.add(step + ": " + r.statusCode() + " " + r.body());
                } else if (up.get() == p) {
                    searchFailures.add(step + ": " + r.statusCode() + " " + r.body());
                }
            } catch (IOException e) {
                if (up.get() == p) {
                    searchFailures.add(step + ": no answer from a live process: " + e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
    }

    private void stopLoad() throws InterruptedException {
        load.shutdown();
        load.awaitTermination(30, TimeUnit.SECONDS);
    }

    // --- HTTP and SQL ----------------------------------------------------------------------------

    private JsonNode post(ServiceProcess p, String path, String body, int expected) throws Exception {
        HttpResponse<String> r = http.send(p.request(path).header("Content-Type", "application/json")
                .POST(body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }

    private JsonNode get(ServiceProcess p, String path) throws Exception {
        HttpResponse<String> r = http.send(p.request(path).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode awaitOnline(ServiceProcess p, Predicate<JsonNode> condition, Duration timeout) throws Exception {
        return awaitJson(p, "/api/migration/online", condition, timeout);
    }

    private JsonNode awaitJson(ServiceProcess p, String path, Predicate<JsonNode> condition, Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        JsonNode last = null;
        while (Instant.now().isBefore(end)) {
            last = get(p, path);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(path + " did not get there in " + timeout + ": " + last);
    }

    private void awaitSql(String booleanSql, Duration timeout) throws Exception {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if ("t".equals(strings(booleanSql).get(0))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not true in " + timeout + ": " + booleanSql);
    }

    private void seed(int n) throws SQLException {
        exec("insert into questions (title, content) select 'Question ' || g, 'How do I fix error ' || g || ' when the "
                + "service starts? It happens on every deploy. ' || md5(g::text) from generate_series(1, " + n + ") g");
        exec("insert into solutions (question_id, content) select id, 'Check the settings ' || md5(id::text) from questions "
                + "where id % 3 = 0");
    }

    private void exec(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long number(String sql) throws SQLException {
        return Long.parseLong(strings(sql).get(0));
    }

    private List<String> strings(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
