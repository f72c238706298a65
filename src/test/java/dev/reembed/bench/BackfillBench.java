package dev.reembed.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.backfill.VectorWriter;
import dev.reembed.backfill.VectorColumn;
import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ScratchDatabase;
import dev.reembed.testing.ServiceProcess;

/**
 * The benchmark of issue 8 (docs/BENCHMARKS.md). Not a test: its name matches neither *Test nor
 * *IT, so only the {@code bench} Maven profile runs it (scripts/bench.sh). Every phase runs the
 * packaged jar as a separate process against a scratch database and the loopback fake Gemini API.
 *
 * <p>System properties: {@code bench.rows} (100000), {@code bench.phases} (quota,unthrottled,search; also
 * {@code keep}: the backfill with the index kept, and {@code large}: the memory run), {@code bench.largeRows}
 * (300000), {@code bench.latencyMs} (150), {@code bench.rpm} (600,300: one quota run each), {@code bench.batchSize} (100),
 * {@code bench.quotaConcurrency} (4), {@code bench.unthrottledConcurrency} (4), {@code bench.efSearch} (40,100,200),
 * {@code bench.searchQueries} (1000), {@code bench.recallQueries} (100).
 * Results go to stdout and to {@code target/bench/results-<rows>.txt}.
 */
class BackfillBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DIMS = 1536;
    private final HttpClient http = HttpClient.newHttpClient();

    private final int rows = Integer.getInteger("bench.rows", 100_000);
    private final Set<String> phases = new HashSet<>(Arrays.asList(
            System.getProperty("bench.phases", "quota,unthrottled,search").split(",")));
    private final int largeRows = Integer.getInteger("bench.largeRows", 300_000);
    private final long latencyMs = Long.getLong("bench.latencyMs", 150);
    private final int[] rpms = ints(System.getProperty("bench.rpm", "600,300"));
    private final int batchSize = Integer.getInteger("bench.batchSize", 100);
    private final int[] quotaConcurrency = ints(System.getProperty("bench.quotaConcurrency", "4"));
    private final int unthrottledConcurrency = Integer.getInteger("bench.unthrottledConcurrency", 4);
    private final int[] efSearch = ints(System.getProperty("bench.efSearch", "40,100,200"));
    private final int searchQueries = Integer.getInteger("bench.searchQueries", 1000);
    private final int recallQueries = Integer.getInteger("bench.recallQueries", 100);
    private Path out;

    @Test
    void run() throws Exception {
        Files.createDirectories(Path.of("target/bench"));
        out = Path.of("target/bench/results-" + rows + ".txt");
        report("# reembed benchmark, " + rows + " rows, started " + Instant.now() + ", fake latency " + latencyMs
                + " ms, phases " + phases);
        report("machine: " + Runtime.getRuntime().availableProcessors() + " cpus, load " + Files.readString(Path.of("/proc/loadavg")).trim());
        try (FakeGeminiApi fake = new FakeGeminiApi().recording(false).wordVectors(true)) {
            fake.latency(latencyMs);
            if (phases.contains("quota")) {
                quota(fake);
            }
            if (phases.contains("unthrottled")) {
                unthrottled(fake);
            }
            if (phases.contains("writer")) {
                writer(fake);
            }
            if (phases.contains("keep")) {
                keptIndex(fake);
            }
            if (phases.contains("large")) {
                large(fake);
            }
        }
        report("# done " + Instant.now());
    }

    // --- 1a: a backfill under a request quota --------------------------------------------------------

    private void quota(FakeGeminiApi fake) throws Exception {
        int concurrency = quotaConcurrency[0];
        for (int rpm : rpms) {
            // Tokens per minute far above need so that the request quota is the one that binds.
            double boundRowsPerSecond = rpm * (double) batchSize / 60;
            try (Bench db = new Bench();
                    ServiceProcess service = new ServiceProcess(db.env(fake, rpm, 1_000_000_000L),
                            ServiceProcess.logFile("bench-quota-" + rpm)).start();
                    MemorySampler mem = new MemorySampler(service.pid())) {
                db.seed(rows); // the service made the schema (Flyway V1, V2)
                double avgTokens = db.averageTokens();
                apply(service);
                // The rows are written as in a shipped run (index dropped); the build after them is
                // not part of a quota figure, so the harness drops the index and the run keeps it away.
                db.exec("drop index idx_questions_embedding");
                RunResult r = backfill(service, db, concurrency, null, "KEEP");
                report(r.describe("quota " + rpm + " req/min, c=" + concurrency));
                // The limiter lets a tenth of a minute's requests go at once, then paces them: the
                // steady rate is taken over the second half of the rows (50 % to 98 %).
                Double steady = r.rate(rows / 2, (long) (rows * 0.98));
                report(String.format(Locale.ROOT,
                        "quota %d req/min x %d = %.0f rows/s (tpm not binding: %.1f est. tokens/row, tpm 1e9), c=%d: whole run "
                                + "%.0f rows/s; steady (rows %d-%d) %s rows/s -> ratio %s", rpm, batchSize, boundRowsPerSecond, avgTokens,
                        concurrency, r.succeeded / r.embedSeconds, rows / 2, (long) (rows * 0.98),
                        steady == null ? "n/a" : String.format(Locale.ROOT, "%.0f", steady),
                        steady == null ? "n/a" : String.format(Locale.ROOT, "%.3f", steady / boundRowsPerSecond)));
                report("quota " + rpm + " memory: " + mem.summary());
            }
        }
    }

    // --- 1b + 2 + 3 + 4: the service as shipped, unthrottled; then COPY and CREATE INDEX of the same vectors

    private void unthrottled(FakeGeminiApi fake) throws Exception {
        try (Bench db = new Bench()) {
            RunResult r;
            double writeBusy;
            try (ServiceProcess service = new ServiceProcess(db.env(fake, 1_000_000, 1_000_000_000L),
                    ServiceProcess.logFile("bench-unthrottled")).start();
                    MemorySampler mem = new MemorySampler(service.pid())) {
                db.seed(rows);
                apply(service);
                r = backfill(service, db, unthrottledConcurrency, null);
                report(r.describe(String.format(Locale.ROOT, "unthrottled (service as shipped), c=%d, batch %d, fake %d ms",
                        unthrottledConcurrency, batchSize, latencyMs)));
                writeBusy = metric(service, "reembed_backfill_write_busy_seconds_total");
                report(String.format(Locale.ROOT, "  write path: %.1f s with >= 1 write in flight -> %.0f rows/s while writing "
                        + "(mean write of a %d-row batch %.1f ms)", writeBusy, r.succeeded / writeBusy, batchSize,
                        1000 * metric(service, "reembed_backfill_write_seconds_sum") / metric(service, "reembed_backfill_write_seconds_count")));
                report("unthrottled memory (" + rows + " rows): " + mem.summary());
                report("sizes: " + db.sizes());
            }
            if (phases.contains("search")) {
                search(db, "index built by the service after the run");
            }

            double copyRowsPerSecond = copyOfTheSameVectors(db);
            report(String.format(Locale.ROOT, "ratio service/COPY: write path %.3f (%.0f rows/s while writing); end to end %.3f "
                    + "(%.0f rows/s, bounded by %d calls x %d rows / %d ms = %.0f rows/s)", r.succeeded / writeBusy / copyRowsPerSecond,
                    r.succeeded / writeBusy, r.succeeded / r.embedSeconds / copyRowsPerSecond, r.succeeded / r.embedSeconds,
                    unthrottledConcurrency, batchSize, latencyMs, unthrottledConcurrency * batchSize * 1000.0 / Math.max(1, latencyMs)));

            // A plain CREATE INDEX with the service's settings: m, ef_construction, maintenance_work_mem, workers.
            String mwm = System.getProperty("bench.createIndexMwm", "1GB").replace("'", "");
            db.exec("drop index idx_questions_embedding");
            double createSeconds = db.timed("set maintenance_work_mem = '" + mwm + "'; set max_parallel_maintenance_workers = 0",
                    new dev.reembed.schema.HnswIndex(16, 64).createDdl(false));
            report(String.format(Locale.ROOT, "plain CREATE INDEX hnsw (m=16, ef_construction=64, maintenance_work_mem=%s, serial) "
                    + "on %d rows: %.1f s; the service's build (CONCURRENTLY, same settings) %.1f s -> %.2fx", mwm, rows, createSeconds,
                    r.buildSeconds, r.buildSeconds / createSeconds));
        }
    }

    // --- 1b, the write path alone: the service's own VectorWriter.writeVectors vs COPY ----------

    /**
     * The service's vector write (binary COPY into the stage, the one statement that moves the
     * vectors, checkpoint and counters, the commit), driven directly from here with ready vectors
     * by {@code unthrottledConcurrency} threads, as the workers call it: no provider, no JSON, so
     * that the figure is the database write and nothing else, comparable with a binary COPY of the
     * same vectors into the same database. The schema is the service's (V1–V3, index dropped as a
     * large run does); the run and its leases are set up in SQL.
     */
    private void writer(FakeGeminiApi fake) throws Exception {
        int threads = unthrottledConcurrency;
        try (Bench db = new Bench()) {
            try (ServiceProcess service = new ServiceProcess(db.env(fake, 1_000_000, 1_000_000_000L),
                    ServiceProcess.logFile("bench-writer")).start()) {
                db.seed(rows);
                apply(service);
            } // stopped: nothing else writes
            db.exec("drop index idx_questions_embedding");
            long runId = Long.parseLong(db.string("insert into backfill_runs (status, model, dimensions, scope, batch_size, "
                    + "concurrency, trigger, total, started_at) values ('RUNNING', 'gemini-embedding-001', " + DIMS + ", 'ALL', "
                    + batchSize + ", " + threads + ", 'bench', " + rows + ", now()) returning id"));
            db.exec("insert into backfill_items (run_id, question_id, state, lease_owner, lease_expires_at) select " + runId
                    + ", id, 'LEASED', 'bench-' || (((id - 1) / " + batchSize + ") % " + threads + "), now() + interval '1 day' "
                    + "from questions");
            List<Long> ids = db.longs("select id from questions order by id");
            List<String> hashes = db.strings("select content_hash from questions order by id");
            Random random = new Random(7);
            float[][] pool = new float[997][]; // ready unit vectors, cycled: making them is not the write's cost
            for (int i = 0; i < pool.length; i++) {
                float[] v = new float[DIMS];
                double n = 0;
                for (int d = 0; d < DIMS; d++) {
                    v[d] = (float) random.nextGaussian();
                    n += v[d] * v[d];
                }
                for (int d = 0; d < DIMS; d++) {
                    v[d] /= (float) Math.sqrt(n);
                }
                pool[i] = v;
            }
            io.agroal.api.AgroalDataSource ds = db.pool(threads + 2);
            VectorWriter repository = new VectorWriter(ds);
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong batchNanos = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.ExecutorService pool2 = java.util.concurrent.Executors.newFixedThreadPool(threads);
            int batches = (ids.size() + batchSize - 1) / batchSize;
            long t0 = System.nanoTime();
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                done.add(pool2.submit(() -> {
                    for (int b = me; b < batches; b += threads) {
                        List<VectorWriter.VectorWrite> writes = new ArrayList<>(batchSize);
                        for (int i = b * batchSize; i < Math.min(ids.size(), (b + 1) * batchSize); i++) {
                            writes.add(new VectorWriter.VectorWrite(ids.get(i), pool[i % pool.length], hashes.get(i)));
                        }
                        long s0 = System.nanoTime();
                        var outcome = repository.writeVectors(VectorColumn.EMBEDDING, runId, "bench-" + me, "gemini-embedding-001",
                                writes, 100);
                        batchNanos.addAndGet(System.nanoTime() - s0);
                        written.addAndGet(outcome.written());
                    }
                    return null;
                }));
            }
            for (var f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            pool2.shutdown();
            ds.close();
            double writeRowsPerSecond = written.get() / seconds;
            report(String.format(Locale.ROOT, "writer: the service's writeVectors, %d threads, batches of %d, no index: %d rows in %.1f s "
                    + "= %.0f rows/s (mean batch %.1f ms); run counters %s", threads, batchSize, written.get(), seconds,
                    writeRowsPerSecond, batchNanos.get() / 1e6 / batches,
                    db.string("select succeeded || ' succeeded of ' || total from backfill_runs where id = " + runId)));
            double copyRowsPerSecond = copyOfTheSameVectors(db);
            report(String.format(Locale.ROOT, "ratio writer/COPY: %.3f", writeRowsPerSecond / copyRowsPerSecond));
        }
    }

    /** COPY … FROM STDIN (FORMAT BINARY) of the vectors now in questions, into a fresh table without index: rows/s. */
    private double copyOfTheSameVectors(Bench db) throws Exception {
        Path file = Path.of("target/bench/vectors-" + rows + ".pgcopy");
        long exported = db.copyOut("copy (select id, embedding from questions where embedding is not null order by id) "
                + "to stdout (format binary)", file);
        checkPgcopy(file);
        db.exec("drop table if exists bench_copy");
        db.exec("create table bench_copy (id bigint, embedding vector(" + DIMS + "))");
        long t0 = System.nanoTime();
        long copied = db.copyIn("copy bench_copy (id, embedding) from stdin (format binary)", file);
        double copySeconds = (System.nanoTime() - t0) / 1e9;
        report(String.format(Locale.ROOT, "COPY FROM STDIN (FORMAT BINARY), no index: %d rows (%d exported, %.0f MB) in %.1f s = %.0f rows/s",
                copied, exported, Files.size(file) / 1e6, copySeconds, copied / copySeconds));
        Files.deleteIfExists(file);
        return copied / copySeconds;
    }

    // --- for comparison: the same backfill with the index kept (every write inserts into the graph)

    private void keptIndex(FakeGeminiApi fake) throws Exception {
        try (Bench db = new Bench();
                ServiceProcess service = new ServiceProcess(db.env(fake, 1_000_000, 1_000_000_000L),
                        ServiceProcess.logFile("bench-keep")).start()) {
            db.seed(rows);
            apply(service);
            RunResult r = backfill(service, db, unthrottledConcurrency, null, "KEEP");
            report(r.describe(String.format(Locale.ROOT, "unthrottled, index KEPT, c=%d", unthrottledConcurrency)));
        }
    }

    // --- 4: memory over a larger run (the index is left out: its build is not the service's memory)

    private void large(FakeGeminiApi fake) throws Exception {
        try (Bench db = new Bench();
                ServiceProcess service = new ServiceProcess(db.env(fake, 1_000_000, 1_000_000_000L),
                        ServiceProcess.logFile("bench-large")).start();
                MemorySampler mem = new MemorySampler(service.pid())) {
            db.seed(largeRows);
            apply(service);
            db.exec("drop index idx_questions_embedding");
            RunResult r = backfill(service, db, unthrottledConcurrency, null, "KEEP");
            report(r.describe(String.format(Locale.ROOT, "large run, %d rows, c=%d, no index", largeRows, unthrottledConcurrency)));
            report("large memory (" + largeRows + " rows): " + mem.summary());
        }
    }

    /** A counter or gauge from the service's Prometheus endpoint (sum over its series). */
    private double metric(ServiceProcess service, String name) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    // --- 3: search latency and recall -----------------------------------------------------------------

    private void search(Bench db, String label) throws Exception {
        Random random = new Random(42);
        List<Long> ids = db.longs("select id from questions where embedding is not null order by id");
        List<String> queries = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("select embedding::text from questions where id = ?")) {
            for (int i = 0; i < searchQueries; i++) {
                ps.setLong(1, ids.get(random.nextInt(ids.size())));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    queries.add(perturb(rs.getString(1), random));
                }
            }
        }
        db.exec("analyze questions");
        String sql = "select id from match_questions_with_solutions(?::vector, -1, 10)";
        // Exact top-10 (no index) for the first recallQueries queries.
        List<Set<Long>> exact = new ArrayList<>();
        long te = System.nanoTime();
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("set local enable_indexscan = off");
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < Math.min(recallQueries, queries.size()); i++) {
                    exact.add(new HashSet<>(top(ps, queries.get(i))));
                }
            }
            c.rollback();
        }
        report(String.format(Locale.ROOT, "search [%s]: exact top-10 of %d queries took %.1f s (%.0f ms each)", label, exact.size(),
                (System.nanoTime() - te) / 1e9, (System.nanoTime() - te) / 1e6 / Math.max(1, exact.size())));
        for (int ef : efSearch) {
            try (Connection c = db.connect()) {
                try (Statement st = c.createStatement()) {
                    st.execute("set hnsw.ef_search = " + ef);
                }
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (int i = 0; i < 50; i++) {
                        top(ps, queries.get(i)); // warm-up: plan cache, index pages
                    }
                    long[] nanos = new long[queries.size()];
                    double recall = 0;
                    for (int i = 0; i < queries.size(); i++) {
                        long t = System.nanoTime();
                        List<Long> found = top(ps, queries.get(i));
                        nanos[i] = System.nanoTime() - t;
                        if (i < exact.size()) {
                            long hits = found.stream().filter(exact.get(i)::contains).count();
                            recall += hits / (double) Math.max(1, exact.get(i).size());
                        }
                    }
                    Arrays.sort(nanos);
                    report(String.format(Locale.ROOT, "search [%s] ef_search=%d: %d queries p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; "
                            + "recall@10 vs exact %.3f (%d queries)", label, ef, nanos.length, nanos[nanos.length / 2] / 1e6,
                            nanos[(int) (nanos.length * 0.95)] / 1e6, nanos[(int) (nanos.length * 0.99)] / 1e6, recall / exact.size(),
                            exact.size()));
                }
            }
        }
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("explain select id from match_questions_with_solutions('" + queries.get(0) + "'::vector, -1, 10)")) {
            StringBuilder plan = new StringBuilder();
            while (rs.next()) {
                plan.append(rs.getString(1).trim().replaceAll("'\\[[^\\]]*\\]'", "'[query]'")).append(" | ");
            }
            report("search plan: " + plan);
        }
    }

    /** A stored vector with small noise, so that a query is near its row but not identical to it. */
    private static String perturb(String literal, Random random) {
        String[] parts = literal.substring(1, literal.length() - 1).split(",");
        double[] v = new double[parts.length];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(parts[i]) + random.nextGaussian() * 0.01;
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append((float) (v[i] / norm));
        }
        return sb.append(']').toString();
    }

    private static List<Long> top(PreparedStatement ps, String query) throws SQLException {
        ps.setString(1, query);
        List<Long> ids = new ArrayList<>(10);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    // --- the service over HTTP -----------------------------------------------------------------------

    private void apply(ServiceProcess service) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = post(service, "/api/migration/apply", "");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("apply: " + r.statusCode() + " " + r.body());
        }
        report(String.format(Locale.ROOT, "apply (backup, vector(1536), empty HNSW index, function): %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    private RunResult backfill(ServiceProcess service, Bench db, int concurrency, String scope) throws Exception {
        return backfill(service, db, concurrency, scope, null);
    }

    private RunResult backfill(ServiceProcess service, Bench db, int concurrency, String scope, String searchIndex) throws Exception {
        try (ActivitySampler activity = new ActivitySampler(db)) {
            RunResult r = backfillRun(service, concurrency, scope, searchIndex);
            report("  db profile: " + activity.summary());
            return r;
        }
    }

    private RunResult backfillRun(ServiceProcess service, int concurrency, String scope, String searchIndex) throws Exception {
        String body = "{\"batchSize\":" + batchSize + ",\"concurrency\":" + concurrency
                + (scope == null ? "" : ",\"scope\":\"" + scope + "\"")
                + (searchIndex == null ? "" : ",\"searchIndex\":\"" + searchIndex + "\"") + "}";
        long t0 = System.nanoTime();
        HttpResponse<String> start = post(service, "/api/backfills", body);
        if (start.statusCode() != 202) {
            throw new IllegalStateException("backfill: " + start.statusCode() + " " + start.body());
        }
        long id = JSON.readTree(start.body()).path("id").asLong();
        RunResult result = new RunResult();
        while (true) {
            HttpResponse<String> r = http.send(service.request("/api/backfills/" + id).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode run = JSON.readTree(r.body());
            long now = System.nanoTime();
            result.samples.add(new long[] {now - t0, run.path("succeeded").asLong()});
            String status = run.path("status").asText();
            if (!"QUEUED".equals(status) && !"RUNNING".equals(status)) {
                if (!"COMPLETED".equals(status) || run.path("failed").asLong() != 0) {
                    throw new IllegalStateException("run ended " + run);
                }
                result.succeeded = run.path("succeeded").asLong();
                // The service's own timestamps (RUNNING to COMPLETED): the harness's polling is not in them.
                Instant started = Instant.parse(run.path("startedAt").asText());
                result.seconds = java.time.Duration.between(started, Instant.parse(run.path("finishedAt").asText())).toMillis() / 1000.0;
                JsonNode index = run.path("searchIndex");
                result.indexState = index.path("state").asText();
                // Rows are written between the start and the index build (or the end when the index was kept).
                result.embedSeconds = index.path("buildStartedAt").isTextual()
                        ? java.time.Duration.between(started, Instant.parse(index.path("buildStartedAt").asText())).toMillis() / 1000.0
                        : result.seconds;
                result.buildSeconds = index.path("buildSeconds").asDouble(0);
                return result;
            }
            Thread.sleep(200);
        }
    }

    private HttpResponse<String> post(ServiceProcess service, String path, String body) throws Exception {
        return http.send(service.request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final class RunResult {
        final List<long[]> samples = new ArrayList<>();
        long succeeded;
        /** RUNNING to COMPLETED, the service's own timestamps. */
        double seconds;
        /** RUNNING to the start of the index build (all of {@link #seconds} when the index was kept). */
        double embedSeconds;
        double buildSeconds;
        String indexState;

        String describe(String label) {
            return String.format(Locale.ROOT, "%s: %d rows written in %.1f s = %.0f rows/s; search index %s%s; whole run %.1f s = %.0f rows/s",
                    label, succeeded, embedSeconds, succeeded / embedSeconds, indexState,
                    "BUILT".equals(indexState) ? String.format(Locale.ROOT, " (dropped at the start, built in %.1f s)", buildSeconds) : "",
                    seconds, succeeded / seconds);
        }

        /** rows/s between the samples where succeeded first reached {@code from} and {@code to}; null if too few. */
        Double rate(long from, long to) {
            if (to - from < 2_000) {
                return null;
            }
            long[] a = null;
            long[] b = null;
            for (long[] s : samples) {
                if (a == null && s[1] >= from) {
                    a = s;
                }
                if (b == null && s[1] >= to) {
                    b = s;
                }
            }
            if (a == null || b == null || b[0] == a[0]) {
                return null;
            }
            return (b[1] - a[1]) / ((b[0] - a[0]) / 1e9);
        }
    }

    private void report(String line) throws IOException {
        System.out.println("BENCH " + line);
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    /** PGCOPY header, then each tuple: int16 fields; int32 len + int64 id; int32 len + vector (int16 dim, int16 0, dim float4). */
    private static void checkPgcopy(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            byte[] head = in.readNBytes(19 + 2 + 4 + 8 + 4 + 4);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(head);
            byte[] sig = new byte[11];
            b.get(sig);
            if (!new String(sig, 0, 5, StandardCharsets.US_ASCII).equals("PGCOP")) {
                throw new IllegalStateException("not a PGCOPY file");
            }
            b.position(19);
            short fields = b.getShort();
            int idLen = b.getInt();
            b.getLong();
            int vecLen = b.getInt();
            short dim = b.getShort();
            short unused = b.getShort();
            if (fields != 2 || idLen != 8 || vecLen != 4 + 4 * DIMS || dim != DIMS || unused != 0) {
                throw new IllegalStateException("unexpected PGCOPY tuple: " + fields + " " + idLen + " " + vecLen + " " + dim + " " + unused);
            }
        }
    }

    // --- a scratch database -------------------------------------------------------------------------

    private final class Bench extends ScratchDatabase {

        Map<String, String> env(FakeGeminiApi fake, int requestsPerMinute, long tokensPerMinute) {
            Map<String, String> env = ServiceProcess.againstFakeGemini(config, fake);
            env.put("REEMBED_MIGRATION_START_TARGET", "2");
            env.put("REEMBED_EMBEDDING_REQUESTS_PER_MINUTE", String.valueOf(requestsPerMinute));
            // The quota phase's quota is this configured limit: the adaptive limiter would look past it
            // (the fake enforces none here). AdaptiveLimiterBench measures the adaptive one.
            env.put("REEMBED_EMBEDDING_ADAPTIVE", "false");
            env.put("REEMBED_EMBEDDING_TOKENS_PER_MINUTE", String.valueOf(tokensPerMinute));
            return env;
        }

        /**
         * Questions of varied, real-looking text (templates × topics × errors × environments, 1–4
         * sentences, seeded) and one solution for every other question. Loaded in the database:
         * seconds for 100k rows.
         */
        void seed(int n) throws SQLException, IOException {
            long t0 = System.nanoTime();
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("select setseed(0.42)"); // same session as the insert: the same texts every run
                st.execute("""
                    insert into questions (title, content)
                    select initcap(v.verb) || ' ' || v.topic || ' ' || v.env,
                           v.verb || ' ' || v.topic || ' when ' || v.err || ' ' || v.env || '? '
                           || array_to_string(array(select (array[
                                'I already restarted the service and cleared the cache.',
                                'The logs show a stack trace pointing at the connection pool.',
                                'It only happens under load, roughly once an hour.',
                                'We upgraded the driver last week and nothing else changed.',
                                'The same code works on my laptop but not in staging.',
                                'Our team uses feature flags to roll this out gradually.',
                                'Memory grows steadily until the container is killed.',
                                'Rolling back the deploy makes the problem go away.',
                                'Is there a configuration flag for this, or do I need a patch?',
                                'Any pointers to documentation would be appreciated.',
                                'I tried increasing the timeout to 60 seconds without luck.',
                                'The error message is not very helpful, see below.'])[1 + floor(random() * 12)::int]
                              || ' (' || substr(md5(random()::text), 1, 6 + floor(random() * 10)::int) || ')'
                              from generate_series(1, 1 + floor(random() * 4)::int + (g % 2)) s), ' ')
                    from generate_series(1, :rows) g,
                    lateral (select
                        (array['how do I fix', 'why does', 'what is the best way to handle', 'can someone explain',
                               'is it safe to ignore', 'how should I debug', 'what causes', 'how can I speed up'])[1 + floor(random() * 8 + g * 0)::int] as verb,
                        (array['a deadlock in PostgreSQL', 'slow HNSW index builds', 'OAuth token refresh', 'Kafka consumer lag',
                               'a memory leak in the JVM', 'flaky integration tests', 'Docker layer caching', 'TLS handshake failures',
                               'React state updates', 'a Terraform plan drift', 'gRPC deadline errors', 'Python import cycles',
                               'Kubernetes pod evictions', 'CSV parsing of quoted fields', 'timezone bugs in reports',
                               'Gradle build cache misses'])[1 + floor(random() * 16 + g * 0)::int] as topic,
                        (array['the build runs on CI', 'traffic spikes', 'the nightly job starts', 'two users save at once',
                               'the cluster scales down', 'a replica fails over'])[1 + floor(random() * 6 + g * 0)::int] as err,
                        (array['in production', 'on Kubernetes 1.29', 'with Java 17', 'on macOS', 'behind nginx',
                               'with PostgreSQL 15', 'in our monorepo', 'on AWS Lambda'])[1 + floor(random() * 8 + g * 0)::int] as env
                    ) v""".replace(":rows", String.valueOf(n)));
            }
            exec("insert into solutions (question_id, content) select id, 'Try upgrading and check the pool settings: ' "
                    + "|| md5(id::text) from questions where id % 2 = 0");
            exec("analyze questions");
            report(String.format(Locale.ROOT, "seeded %d questions (+ %d solutions) in %.1f s; avg content %s chars", n,
                    Long.parseLong(string("select count(*) from solutions")), (System.nanoTime() - t0) / 1e9,
                    string("select round(avg(length(content))) from questions")));
        }

        /** The service's estimate (TokenEstimator: ~1 token per 3 ASCII chars), for the tokens-per-minute bound. */
        double averageTokens() throws SQLException {
            return Double.parseDouble(string("select avg((length(coalesce(title, '')) + length(content)) / 3.0) from questions"));
        }

        String sizes() throws SQLException {
            return string("select 'questions ' || pg_size_pretty(pg_total_relation_size('questions')) || ', hnsw index ' "
                    + "|| pg_size_pretty(pg_relation_size('idx_questions_embedding'))");
        }

        void exec(String sql, Object... args) throws SQLException {
            try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                ps.execute();
            }
        }

        double timed(String settings, String sql) throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                for (String s : settings.split(";")) {
                    st.execute(s);
                }
                long t0 = System.nanoTime();
                st.execute(sql);
                return (System.nanoTime() - t0) / 1e9;
            }
        }

        String string(String sql) throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        }

        List<String> strings(String sql) throws SQLException {
            List<String> out = new ArrayList<>();
            try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }

        /** An Agroal pool on the scratch database, as the service has: for driving its repository directly. */
        io.agroal.api.AgroalDataSource pool(int size) throws SQLException {
            return io.agroal.api.AgroalDataSource.from(new io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier()
                    .connectionPoolConfiguration(cp -> cp.maxSize(size).connectionFactoryConfiguration(cf -> cf
                            .jdbcUrl(config.get("quarkus.datasource.jdbc.url"))
                            .principal(new io.agroal.api.security.NamePrincipal(config.get("quarkus.datasource.username")))
                            .credential(new io.agroal.api.security.SimplePassword(config.get("quarkus.datasource.password"))))));
        }

        List<Long> longs(String sql) throws SQLException {
            List<Long> out = new ArrayList<>();
            try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        }

        long copyOut(String sql, Path file) throws SQLException, IOException {
            try (Connection c = connect(); OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                return c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, os);
            }
        }

        long copyIn(String sql, Path file) throws SQLException, IOException {
            try (Connection c = connect(); InputStream is = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                return c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, is, 1 << 20);
            }
        }
    }

    // --- where the database time goes ----------------------------------------------------------------

    /**
     * Samples pg_stat_activity of the scratch database every 200 ms: how many of the service's
     * connections are active, in which statement (its first words) and on which wait event. A
     * poor man's profile (pg_stat_statements is not preloaded on this server).
     */
    private static final class ActivitySampler implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
        private final Thread thread;
        private volatile int samples;

        ActivitySampler(Bench db) {
            thread = new Thread(() -> {
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        try (ResultSet rs = st.executeQuery("select regexp_replace(left(query, 60), '\\s+', ' ', 'g'), "
                                + "coalesce(wait_event_type || ':' || wait_event, 'CPU') from pg_stat_activity "
                                + "where datname = current_database() and pid <> pg_backend_pid() and state = 'active'")) {
                            while (rs.next()) {
                                counts.merge(rs.getString(1).trim() + " [" + rs.getString(2) + "]", 1, Integer::sum);
                            }
                        }
                        samples++;
                        Thread.sleep(200);
                    }
                } catch (SQLException | InterruptedException e) {
                    // stopped
                }
            }, "activity-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        String summary() {
            StringBuilder sb = new StringBuilder(samples + " samples every 200 ms; active backends per sample by statement [wait]: ");
            counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(8).forEach(e -> sb.append(
                    String.format(Locale.ROOT, "%.2f %s; ", e.getValue() / (double) Math.max(1, samples), e.getKey())));
            return sb.toString();
        }

        @Override
        public void close() {
            stop.set(true);
            thread.interrupt();
        }
    }

    // --- memory of the service process --------------------------------------------------------------

    /** Samples VmRSS/VmHWM every second and the heap (jcmd GC.heap_info) every 3 s. */
    private static final class MemorySampler implements AutoCloseable {
        private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
        private final long pid;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private volatile long maxRssKb;
        private volatile long hwmKb;
        private volatile long maxHeapUsedKb;
        private volatile long maxHeapCommittedKb;
        private volatile int heapSamples;

        MemorySampler(long pid) {
            this.pid = pid;
            thread = new Thread(this::loop, "memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            int tick = 0;
            while (!stop.get()) {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                        if (line.startsWith("VmRSS:")) {
                            maxRssKb = Math.max(maxRssKb, kb(line));
                        } else if (line.startsWith("VmHWM:")) {
                            hwmKb = Math.max(hwmKb, kb(line));
                        }
                    }
                    if (tick++ % 3 == 0) {
                        Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
                        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        p.waitFor();
                        Matcher m = HEAP.matcher(text);
                        if (m.find()) {
                            maxHeapCommittedKb = Math.max(maxHeapCommittedKb, Long.parseLong(m.group(1)));
                            maxHeapUsedKb = Math.max(maxHeapUsedKb, Long.parseLong(m.group(2)));
                            heapSamples++;
                        }
                    }
                    Thread.sleep(1000);
                } catch (IOException e) {
                    return; // process gone
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static long kb(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }

        String summary() {
            return String.format(Locale.ROOT, "peak RSS (VmHWM) %d MB, max sampled RSS %d MB, max heap used %d MB, max heap committed %d MB "
                    + "(%d heap samples, -Xmx512m)", hwmKb / 1024, maxRssKb / 1024, maxHeapUsedKb / 1024, maxHeapCommittedKb / 1024,
                    heapSamples);
        }

        @Override
        public void close() {
            stop.set(true);
            thread.interrupt();
        }
    }
}
