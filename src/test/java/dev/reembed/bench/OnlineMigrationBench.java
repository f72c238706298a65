package dev.reembed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ScratchDatabase;
import dev.reembed.testing.ServiceProcess;

/**
 * Issue 15's benchmark (docs/BENCHMARKS.md, "Online migration"): gemini-embedding-001 @1536 vector →
 * @3072 halfvec on {@code bench.rows} (100000) rows against the fake, with an open-loop search load
 * of {@code bench.searchesPerSecond} (25) through POST /api/questions/search for the whole move
 * ({@code bench.concurrency}: the shadow backfill's workers, default the service's):
 * baseline, backfill of the shadow, its index build, READY, cutover, swap back, cutover, finalize.
 * Not a test (run by scripts/bench.sh --online). Results: stdout and target/bench/results-online-<rows>.txt.
 */
class OnlineMigrationBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {"deadlock", "PostgreSQL", "index", "OAuth", "token", "Kafka", "memory", "leak", "JVM",
        "Docker", "cache", "TLS", "handshake", "Terraform", "gRPC", "timeout", "Kubernetes", "pod", "CSV", "timezone"};

    private final HttpClient http = HttpClient.newHttpClient();
    private final int rows = Integer.getInteger("bench.rows", 100_000);
    private final int searchesPerSecond = Integer.getInteger("bench.searchesPerSecond", 25);
    private final long latencyMs = Long.getLong("bench.latencyMs", 50);
    private final int baselineSeconds = Integer.getInteger("bench.baselineSeconds", 30);
    /** The shadow backfill's workers; unset: the service's default (reembed.online.concurrency). */
    private final Integer concurrency = Integer.getInteger("bench.concurrency");
    private Path out;

    /** One search: when, in which phase, how long, and whether it answered. */
    private record Sample(long at, String phase, double ms, int status, int hits) {
    }

    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> phase = new AtomicReference<>("seed");
    private final Map<String, Double> longestLockWait = new ConcurrentHashMap<>();

    @Test
    void run() throws Exception {
        Files.createDirectories(Path.of("target/bench"));
        out = Path.of("target/bench/results-online-" + rows + ".txt");
        Files.deleteIfExists(out);
        try (FakeGeminiApi fake = new FakeGeminiApi().recording(false).wordVectors(true); ScratchDatabase db = new ScratchDatabase()) {
            fake.latency(latencyMs);
            Map<String, String> env = ServiceProcess.againstFakeGemini(db.config, fake);
            env.put("REEMBED_EMBEDDING_ADAPTIVE", "false");
            env.put("REEMBED_EMBEDDING_REQUESTS_PER_MINUTE", "100000");
            env.put("REEMBED_EMBEDDING_TOKENS_PER_MINUTE", "1000000000");
            try (ServiceProcess service = new ServiceProcess(env, ServiceProcess.logFile("bench-online")).start()) {
                seed(db);
                long t0 = System.nanoTime();
                JsonNode live = post(service, "/api/backfills", "{\"batchSize\":100,\"concurrency\":4}", 202);
                JsonNode done = awaitRun(service, live.path("id").asLong());
                report(String.format(Locale.ROOT, "source: %d rows embedded at 1536 (vector) in %.1f s; HNSW vector(1536) build %.1f s",
                        done.path("succeeded").asLong(), (System.nanoTime() - t0) / 1e9, done.path("searchIndex").path("buildSeconds").asDouble()));
                report("sizes before: " + sizes(db));

                ScheduledExecutorService load = startLoad(service);
                ScheduledExecutorService locks = startLockSampler(db);
                phase.set("baseline");
                Thread.sleep(baselineSeconds * 1000L); // the baseline's length: a duration, not a condition

                long m0 = System.nanoTime();
                post(service, "/api/migration/online", "{\"model\":\"gemini-embedding-001\",\"dimensions\":3072,\"batchSize\":100"
                        + (concurrency == null ? "" : ",\"concurrency\":" + concurrency) + "}", 202);
                JsonNode ready = followPhases(service, "READY");
                report(String.format(Locale.ROOT, "shadow: backfilled and indexed in %.1f s; HNSW halfvec(3072) build %.1f s",
                        (System.nanoTime() - m0) / 1e9, ready.path("index").path("buildSeconds").asDouble()));
                phase.set("ready");
                Thread.sleep(5000);

                swap(service, "cutover", "/api/migration/online/cutover");
                report("sizes during (both columns): " + sizes(db) + "; " + bytesPerRow(db));
                swap(service, "swap back", "/api/migration/online/rollback");
                swap(service, "cutover again", "/api/migration/online/cutover");
                phase.set("finalize");
                post(service, "/api/migration/online/finalize", "", 200);
                phase.set("after");
                Thread.sleep(5000);
                load.shutdown(); // the periodic task stops; searches in flight complete (an interrupt would count as a failure)
                load.awaitTermination(30, TimeUnit.SECONDS);
                locks.shutdownNow();
                report("sizes after finalize: " + sizes(db));
                summarise();
            }
        }
    }

    private void swap(ServiceProcess service, String name, String path) throws Exception {
        phase.set(name);
        long t0 = System.nanoTime();
        JsonNode m = post(service, path, "", 200);
        report(String.format(Locale.ROOT, "%s: request %.0f ms; lock held %d ms, waited %d ms, attempt %d", name,
                (System.nanoTime() - t0) / 1e6, m.path("cutover").path("lockMs").asInt(), m.path("cutover").path("lockWaitMs").asInt(),
                m.path("cutover").path("attempts").asInt()));
        Thread.sleep(3000); // searches on the new layout for 3 s before the next move
    }

    private JsonNode followPhases(ServiceProcess service, String until) throws Exception {
        String last = "";
        while (true) {
            JsonNode m = get(service, "/api/migration/online");
            String p = m.path("phase").asText();
            if (!p.equals(last)) {
                report("phase " + p + " at +" + m.path("updatedAt").asText());
                last = p;
            }
            phase.set(p.toLowerCase(Locale.ROOT));
            if (p.equals(until)) {
                return m;
            }
            if (!m.path("lastError").isNull() && !m.path("lastError").isMissingNode()) {
                System.out.println("  lastError: " + m.path("lastError").asText());
            }
            Thread.sleep(500); // polling the service's progress
        }
    }

    private ScheduledExecutorService startLoad(ServiceProcess service) {
        ScheduledExecutorService load = Executors.newScheduledThreadPool(8);
        AtomicLong n = new AtomicLong();
        load.scheduleAtFixedRate(() -> {
            long i = n.incrementAndGet();
            String query = WORDS[(int) (i % WORDS.length)] + " " + WORDS[(int) ((i * 7) % WORDS.length)];
            String p = phase.get();
            long t = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(service.request("/api/questions/search").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"" + query + "\",\"threshold\":-1,\"limit\":10}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                int hits = r.statusCode() == 200 ? JSON.readTree(r.body()).size() : 0;
                samples.add(new Sample(t, p, (System.nanoTime() - t) / 1e6, r.statusCode(), hits));
            } catch (Exception e) {
                samples.add(new Sample(t, p, (System.nanoTime() - t) / 1e6, -1, 0));
            }
        }, 0, 1_000_000 / searchesPerSecond, TimeUnit.MICROSECONDS);
        return load;
    }

    /** Every 20 ms: the longest wait on a lock among the searches' statements, per phase. */
    private ScheduledExecutorService startLockSampler(ScratchDatabase db) throws SQLException {
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        Connection c = db.connect();
        sampler.scheduleAtFixedRate(() -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                    select coalesce(max(extract(epoch from clock_timestamp() - state_change) * 1000), 0)
                    from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()
                      and (query like 'lock table questions in access share mode%' or query like '%match_questions_with_solutions(%'
                           or query like '%reembed_match_next(%')""")) {
                rs.next();
                longestLockWait.merge(phase.get(), rs.getDouble(1), Math::max);
            } catch (SQLException e) {
                // the sampler is best effort; the searches' own latencies are the main figure
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
        return sampler;
    }

    private void summarise() throws Exception {
        List<String> order = List.of("baseline", "prepared", "backfilling", "indexing", "ready", "cutover", "swap back", "cutover again",
                "finalize", "after");
        double baselineP95 = 0;
        for (String p : order) {
            List<Double> ms = new ArrayList<>();
            long failed = 0;
            long empty = 0;
            for (Sample s : samples) {
                if (s.phase().equals(p)) {
                    ms.add(s.ms());
                    failed += s.status() == 200 ? 0 : 1;
                    empty += s.status() == 200 && s.hits() == 0 ? 1 : 0;
                }
            }
            if (ms.isEmpty()) {
                continue;
            }
            Collections.sort(ms);
            double p95 = ms.get((int) Math.min(ms.size() - 1, Math.ceil(ms.size() * 0.95) - 1));
            if (p.equals("baseline")) {
                baselineP95 = p95;
            }
            report(String.format(Locale.ROOT, "%-14s searches %5d  failed %d  empty %d  p50 %6.1f ms  p95 %6.1f ms (%.2f x baseline)  "
                    + "max %6.1f ms  longest lock wait %.0f ms", p, ms.size(), failed, empty, ms.get(ms.size() / 2), p95,
                    baselineP95 == 0 ? 0 : p95 / baselineP95, ms.get(ms.size() - 1), longestLockWait.getOrDefault(p, 0.0)));
        }
        long failed = samples.stream().filter(s -> s.status() != 200).count();
        long empty = samples.stream().filter(s -> s.status() == 200 && s.hits() == 0).count();
        report(String.format(Locale.ROOT, "total: %d searches at %d/s, %d failed, %d empty", samples.size(), searchesPerSecond, failed, empty));
        assertThat(failed).as("failed searches").isZero();
    }

    private void seed(ScratchDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("select setseed(0.42)");
            st.execute("insert into questions (title, content) select "
                    + "(array['" + String.join("','", WORDS) + "'])[1 + floor(random() * 20)::int] || ' question ' || g, "
                    + "'Why does ' || (array['" + String.join("','", WORDS) + "'])[1 + floor(random() * 20)::int] || ' fail with ' "
                    + "|| (array['" + String.join("','", WORDS) + "'])[1 + floor(random() * 20)::int] || ' after the upgrade? ' || md5(g::text) "
                    + "from generate_series(1, " + rows + ") g");
            st.execute("insert into solutions (question_id, content) select id, 'Check the settings ' || md5(id::text) "
                    + "from questions where id % 2 = 0");
        }
    }

    private String sizes(ScratchDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select 'table+toast ' || pg_size_pretty(pg_table_size('questions')) || ', indexes: ' || coalesce((select string_agg(
                    c.relname || ' ' || pg_size_pretty(pg_relation_size(c.oid)), ', ' order by c.relname) from pg_class c
                    where c.relname like 'idx_questions_embedding%'), 'none')""")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private String bytesPerRow(ScratchDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select avg(pg_column_size(embedding))::int, avg(pg_column_size(embedding_prev))::int from questions
                where embedding is not null and embedding_prev is not null""")) {
            rs.next();
            return "bytes per row: halfvec(3072) " + rs.getInt(1) + ", vector(1536) " + rs.getInt(2);
        }
    }

    private JsonNode awaitRun(ServiceProcess service, long id) throws Exception {
        while (true) {
            JsonNode r = get(service, "/api/backfills/" + id);
            if ("COMPLETED".equals(r.path("status").asText())) {
                return r;
            }
            Thread.sleep(1000); // polling the run's progress
        }
    }

    private JsonNode post(ServiceProcess service, String path, String body, int expected) throws Exception {
        HttpResponse<String> r = http.send(service.request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }

    private JsonNode get(ServiceProcess service, String path) throws Exception {
        return JSON.readTree(http.send(service.request(path).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private void report(String line) throws Exception {
        System.out.println(line);
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
