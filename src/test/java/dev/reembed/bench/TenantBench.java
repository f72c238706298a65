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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ScratchDatabase;
import dev.reembed.testing.ServiceProcess;

/**
 * Issue 16's benchmark (docs/BENCHMARKS.md, "Tenants"): {@code bench.tenants} (200) tenant schemas of
 * {@code bench.rowsPerTenant} (500) questions plus one of {@code bench.bigTenantRows} (50000), through
 * the packaged service against the fake Gemini API with a quota of {@code bench.quota} (600)
 * requests a minute that the service is told: start-up (every schema migrated and held at 2), apply
 * across all (total, per-tenant p95 from each tenant's V3 history row), backfill across all (rows/s
 * against what the quota allows; when the small tenants were done against the big one), and the
 * service's RSS and open connections, against the same service with one tenant. Not a test (run by
 * scripts/bench.sh --tenants). Results: stdout and target/bench/results-tenants.txt.
 */
class TenantBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int tenants = Integer.getInteger("bench.tenants", 200);
    private final int rowsPerTenant = Integer.getInteger("bench.rowsPerTenant", 500);
    private final int bigTenantRows = Integer.getInteger("bench.bigTenantRows", 50_000);
    private final int quota = Integer.getInteger("bench.quota", 600);
    private final int batchSize = 100;
    /**
     * The runs' index strategy. REBUILD: each tenant's index is dropped and built once after its
     * rows; with AUTO a run under 10,000 rows keeps it, and every write of the small tenants then
     * enters an HNSW graph (CPU-bound on 2 cores: about 190 rows/s in an AUTO run, docs/BENCHMARKS.md).
     */
    private final String searchIndex = System.getProperty("bench.searchIndex", "REBUILD");
    private final HttpClient http = HttpClient.newHttpClient();
    private Path out;

    @Test
    void run() throws Exception {
        Files.createDirectories(Path.of("target/bench"));
        out = Path.of("target/bench/results-tenants.txt");
        Files.deleteIfExists(out);
        report(String.format(Locale.ROOT, "%d tenants x %d questions + 1 x %d; quota %d requests/min of %d rows; index %s; 2 cores",
                tenants, rowsPerTenant, bigTenantRows, quota, batchSize, searchIndex));
        Load one = move(0, 1);
        Load all = move(tenants, 1);
        report(String.format(Locale.ROOT, "service with 1 tenant: peak RSS %d MB, at most %d connections; with %d: %d MB, %d connections",
                one.peakRssMb, one.maxConnections, tenants + 1, all.peakRssMb, all.maxConnections));
    }

    /** Peaks sampled while the service ran. */
    private static final class Load {
        long peakRssMb;
        long maxConnections;
    }

    /** One service over {@code small} small tenants and {@code big} big ones: start, apply across, backfill across. */
    private Load move(int small, int big) throws Exception {
        Load load = new Load();
        try (FakeGeminiApi fake = new FakeGeminiApi().recording(false); ScratchDatabase db = new ScratchDatabase()) {
            fake.latency(50);
            fake.quota(quota);
            seedCompanies(db, small, big);
            Map<String, String> env = new HashMap<>(ServiceProcess.againstFakeGemini(db.config, fake));
            env.put("REEMBED_TENANCY_ENABLED", "true");
            env.put("REEMBED_TENANCY_DISCOVERY_INTERVAL", "2s");
            env.put("REEMBED_MIGRATION_START_TARGET", "2");
            env.put("REEMBED_EMBEDDING_ADAPTIVE", "false");
            env.put("REEMBED_EMBEDDING_REQUESTS_PER_MINUTE", Integer.toString(quota));
            env.put("REEMBED_BACKFILL_POLL_INTERVAL", "1s");
            // the status loop reads every tenant's run twice a second: more than a key's default 600 a minute
            env.put("REEMBED_SECURITY_REQUESTS_PER_MINUTE", "1000000");
            long t0 = System.nanoTime();
            try (ServiceProcess service = new ServiceProcess(env, ServiceProcess.logFile("bench-tenants-" + (small + big))).start()) {
                report(String.format(Locale.ROOT, "[%d tenants] start-up with every schema migrated to 2.x: %.1f s", small + big,
                        (System.nanoTime() - t0) / 1e9));
                ScheduledExecutorService sampler = sample(service, db, load);
                try {
                    seedQuestions(db, small, big);
                    long a0 = System.nanoTime();
                    JsonNode applied = post(service, "/api/tenants/migration/apply", "", 200);
                    double applySeconds = (System.nanoTime() - a0) / 1e9;
                    long done = 0;
                    for (JsonNode o : applied) {
                        done += "DONE".equals(o.path("outcome").asText()) ? 1 : 0;
                    }
                    assertThat(done).as(applied.toString()).isEqualTo(small + big);
                    List<Long> perTenant = applyMillis(db, small, big);
                    report(String.format(Locale.ROOT, "[%d tenants] apply across all: %.1f s total, per tenant p50 %d ms, p95 %d ms, "
                            + "max %d ms (V3's change, from each tenant's history row)", small + big, applySeconds,
                            percentile(perTenant, 50), percentile(perTenant, 95), percentile(perTenant, 100)));

                    long b0 = System.nanoTime();
                    JsonNode started = post(service, "/api/tenants/backfills", "{\"batchSize\":" + batchSize + ",\"searchIndex\":\""
                            + searchIndex + "\"}", 200);
                    Map<String, Long> runs = new HashMap<>();
                    for (JsonNode o : started) {
                        runs.put(o.path("schema").asText(), o.path("result").path("id").asLong());
                    }
                    double smallDone = -1;
                    double bigDone = -1;
                    double written = -1;
                    long rows = (long) small * rowsPerTenant + (long) big * bigTenantRows;
                    while (bigDone < 0 || (small > 0 && smallDone < 0)) {
                        int smallOpen = 0;
                        boolean bigOpen = false;
                        long succeeded = 0;
                        for (Map.Entry<String, Long> r : runs.entrySet()) {
                            JsonNode run = get(service, "/api/tenants/" + r.getKey() + "/backfills/" + r.getValue());
                            succeeded += run.path("succeeded").asLong();
                            boolean open = !"COMPLETED".equals(run.path("status").asText());
                            if (r.getKey().startsWith("big")) {
                                bigOpen |= open;
                            } else if (open) {
                                smallOpen++;
                            }
                        }
                        double now = (System.nanoTime() - b0) / 1e9;
                        if (succeeded >= rows && written < 0) {
                            written = now;
                        }
                        if (smallOpen == 0 && smallDone < 0 && small > 0) {
                            smallDone = now;
                        }
                        if (!bigOpen && bigDone < 0) {
                            bigDone = now;
                        }
                        TimeUnit.MILLISECONDS.sleep(500); // a poll of the runs' status, not a stand-in for a condition
                    }
                    double seconds = Math.max(bigDone, smallDone);
                    double allowed = quota * batchSize / 60.0;
                    report(String.format(Locale.ROOT, "[%d tenants] backfill across all: every vector of %d rows written in %.1f s = %.0f "
                            + "rows/s; the quota allows %.0f rows/s: %.3f of it. Every run complete (search indexes rebuilt) at %.1f s",
                            small + big, rows, written, rows / written, allowed, rows / written / allowed, seconds));
                    if (small > 0) {
                        report(String.format(Locale.ROOT, "[%d tenants] the %d small tenants were all done at %.1f s, the big one at %.1f s",
                                small + big, small, smallDone, bigDone));
                    }
                } finally {
                    sampler.shutdownNow();
                }
            }
        }
        return load;
    }

    private void seedCompanies(ScratchDatabase db, int small, int big) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("""
                    create table companies (id uuid primary key default gen_random_uuid(), company_name varchar(255) not null unique,
                        schema_name varchar(100) not null unique, status varchar(20) not null default 'active',
                        created_at timestamptz default now(), updated_at timestamptz default now(), deleted_at timestamptz)""");
            for (String schema : schemas(small, big)) {
                st.execute("create schema " + schema); // generated names
                st.execute("insert into companies (company_name, schema_name) values ('Company " + schema + "', '" + schema + "')");
            }
        }
    }

    /** Questions without vectors (the change makes the column empty anyway; the backup copies none). */
    private void seedQuestions(ScratchDatabase db, int small, int big) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String schema : schemas(small, big)) {
                int n = schema.startsWith("big") ? bigTenantRows : rowsPerTenant;
                st.execute("insert into " + schema + ".questions (title, content) select 'Question ' || g || ' of " + schema
                        + "', 'How do I configure feature ' || g || ' in " + schema + "? ' || md5(g::text) from generate_series(1, " + n + ") g");
            }
        }
    }

    private List<Long> applyMillis(ScratchDatabase db, int small, int big) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String schema : schemas(small, big)) {
                try (ResultSet rs = st.executeQuery("select execution_time from " + schema + ".flyway_schema_history where version = '3'")) {
                    if (rs.next()) {
                        out.add(rs.getLong(1));
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static List<String> schemas(int small, int big) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= small; i++) {
            out.add(String.format(Locale.ROOT, "t%03d", i));
        }
        for (int i = 1; i <= big; i++) {
            out.add("big" + i);
        }
        return out;
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    /** Every second: the service's RSS and the database's connections from it (all but this sampler's). */
    private ScheduledExecutorService sample(ServiceProcess service, ScratchDatabase db, Load load) throws SQLException {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor();
        Connection c = db.connect();
        AtomicLong errors = new AtomicLong();
        s.scheduleAtFixedRate(() -> {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + service.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        long mb = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                        load.peakRssMb = Math.max(load.peakRssMb, mb);
                    }
                }
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()")) {
                    rs.next();
                    load.maxConnections = Math.max(load.maxConnections, rs.getLong(1));
                }
            } catch (Exception e) {
                errors.incrementAndGet();
            }
        }, 0, 1, TimeUnit.SECONDS);
        return s;
    }

    private JsonNode post(ServiceProcess service, String path, String body, int expected) throws Exception {
        HttpResponse<String> r = http.send(service.request(path).header("Content-Type", "application/json")
                .POST(body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }

    private JsonNode get(ServiceProcess service, String path) throws Exception {
        HttpResponse<String> r = http.send(service.request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private void report(String line) throws Exception {
        System.out.println(line);
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
