package dev.reembed.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ServiceProcess;

/**
 * The soak of issue 13 (docs/BENCHMARKS.md, "Soak"). Not a test: only the {@code soak} Maven profile
 * runs it (scripts/soak.sh). First one uninterrupted backfill of the rows (the baseline), then, on a
 * fresh database, the same backfill with the packaged service SIGKILLed {@code soak.kills} times at
 * seeded random moments and started again, PostgreSQL restarted once in between, and rows edited
 * while it runs. Both against the loopback fake Gemini API with 429s and 503s mixed in.
 *
 * <p>System properties: {@code soak.rows} (20000), {@code soak.kills} (10), {@code soak.edits} (200),
 * {@code soak.seed} (13), {@code soak.latencyMs} (120), {@code soak.p429} (0.03), {@code soak.p503} (0.02),
 * {@code soak.batchSize} (100), {@code soak.concurrency} (4), {@code soak.pgRestart} (a shell command
 * restarting the database server; empty: no restart), {@code soak.leaseDuration} (unset: the service's
 * default), {@code soak.runTimeoutMinutes} (30, per run), {@code soak.searchIndex} (unset: the service's default), {@code soak.finalKillLeft} (0: off; else one
 * more kill once at most that many rows are left). Results go to stdout and to
 * {@code target/bench/soak-<rows>.txt}.
 */
class BackfillSoak {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int rows = Integer.getInteger("soak.rows", 20_000);
    private final int kills = Integer.getInteger("soak.kills", 10);
    private final int edits = Integer.getInteger("soak.edits", 200);
    private final long seed = Long.getLong("soak.seed", 13);
    private final long latencyMs = Long.getLong("soak.latencyMs", 120);
    private final double p429 = Double.parseDouble(System.getProperty("soak.p429", "0.03"));
    private final double p503 = Double.parseDouble(System.getProperty("soak.p503", "0.02"));
    private final int batchSize = Integer.getInteger("soak.batchSize", 100);
    private final int concurrency = Integer.getInteger("soak.concurrency", 4);
    private final String pgRestart = System.getProperty("soak.pgRestart", "").trim();
    private final String leaseDuration = System.getProperty("soak.leaseDuration", "").trim();
    /** After the kills, one more when at most this many rows are left (0: none): the tail of a late crash. */
    private final int finalKillLeft = Integer.getInteger("soak.finalKillLeft", 0);
    /** The run's searchIndex (AUTO, KEEP, REBUILD); empty: the service's default. */
    private final String searchIndex = System.getProperty("soak.searchIndex", "").trim();
    private final Duration runTimeout = Duration.ofMinutes(Long.getLong("soak.runTimeoutMinutes", 30));
    private Path out;

    /** One finished run: the harness's wall time (POST to COMPLETED seen) and the run's own timestamps. */
    private record Outcome(long id, double wallSeconds, double serviceSeconds, double embedSeconds, double buildSeconds, JsonNode run) {
    }

    @Test
    void run() throws Exception {
        Files.createDirectories(Path.of("target/bench"));
        out = Path.of("target/bench/soak-" + rows + ".txt");
        Files.deleteIfExists(out);
        for (int k = -1; k <= kills; k++) { // ServiceProcess appends: a log holds this soak's process only
            Files.deleteIfExists(ServiceProcess.logFile(k < 0 ? "soak-baseline" : "soak-run-" + k));
        }
        report("# reembed backfill soak, " + rows + " rows, " + kills + " kills, " + edits + " edits, seed " + seed + ", started "
                + Instant.now() + "; fake: latency " + latencyMs + " ms, " + p429 + " 429 / " + p503 + " 503; batch " + batchSize
                + ", concurrency " + concurrency + "; lease duration " + (leaseDuration.isEmpty() ? "the service's default" : leaseDuration)
                + "; PostgreSQL restart: " + (pgRestart.isEmpty() ? "none" : pgRestart));
        report("machine: " + Runtime.getRuntime().availableProcessors() + " cpus, load " + Files.readString(Path.of("/proc/loadavg")).trim());
        Outcome base = baseline();
        interrupted(base);
        report("# done " + Instant.now());
    }

    private FakeGeminiApi fake() throws IOException {
        FakeGeminiApi fake = new FakeGeminiApi(); // recording: the per-text counts are the duplicate check
        fake.latency(latencyMs);
        fake.mix(seed, p429, p503, 0, 0);
        return fake;
    }

    private Map<String, String> env(SoakDatabase db, FakeGeminiApi fake) {
        Map<String, String> env = ServiceProcess.againstFakeGemini(db.config, fake);
        env.put("REEMBED_MIGRATION_START_TARGET", "2"); // the questions are seeded before the schema change, as in a real store
        if (!leaseDuration.isEmpty()) {
            env.put("REEMBED_BACKFILL_LEASE_DURATION", leaseDuration);
            // renewal at a third of the lease (at most half is allowed)
            env.put("REEMBED_BACKFILL_LEASE_RENEWAL", (java.time.Duration.parse("PT" + leaseDuration.toUpperCase(java.util.Locale.ROOT))
                    .toMillis() / 3) + "ms");
        }
        return env;
    }

    // --- the uninterrupted run -------------------------------------------------------------------------

    private Outcome baseline() throws Exception {
        try (SoakDatabase db = new SoakDatabase(); FakeGeminiApi fake = fake();
                ServiceProcess service = new ServiceProcess(env(db, fake), ServiceProcess.logFile("soak-baseline")).start()) {
            db.seed(rows);
            apply(service);
            long t0 = System.nanoTime();
            long id = start(service);
            Outcome o = awaitEnd(service, id, t0);
            report(String.format(Locale.ROOT, "baseline (uninterrupted): wall %.1f s (POST to COMPLETED); run startedAt->finishedAt %.1f s, "
                    + "rows written in %.1f s, index build %.1f s", o.wallSeconds, o.serviceSeconds, o.embedSeconds, o.buildSeconds));
            SoakChecks.Findings f = SoakChecks.check(db, id, fake, o.run.path("model").asText(), o.run.path("dimensions").asInt());
            f.describe("baseline").forEach(this::report);
            return o;
        }
    }

    // --- the interrupted run ---------------------------------------------------------------------------

    private void interrupted(Outcome base) throws Exception {
        try (SoakDatabase db = new SoakDatabase(); FakeGeminiApi fake = fake()) {
            Map<String, String> env = env(db, fake);
            Path log = ServiceProcess.logFile("soak-run-0");
            ServiceProcess service = new ServiceProcess(env, log).start();
            try {
                db.seed(rows);
                apply(service);
                Random random = new Random(seed);
                // Kills spread over about 80 % of the baseline's writing time (the service's up time; restarts come on top).
                double gap = 0.8 * base.embedSeconds / Math.max(1, kills);
                int pgBefore = pgRestart.isEmpty() || kills < 2 ? -1 : 2 + random.nextInt(kills - 1);
                long t0 = System.nanoTime();
                long id = start(service);
                Editor editor = new Editor(db, id, new Random(seed + 1));
                long lastRestart = t0;
                int done = 0;
                String pgFinding = "not restarted";
                for (int k = 1; k <= kills; k++) {
                    double wait = gap * (0.25 + 1.5 * random.nextDouble());
                    if (k == pgBefore) {
                        double first = wait * random.nextDouble();
                        sleep(first);
                        pgFinding = restartPostgres(db, service, log, id, t0);
                        wait -= first;
                    }
                    sleep(wait);
                    String status = retrying(() -> db.status(id));
                    long left = retrying(() -> db.items(id, "'PENDING','LEASED'"));
                    if (!"RUNNING".equals(status) || left == 0) {
                        report("kill " + k + " not made: run " + status + " with " + left + " rows left");
                        break;
                    }
                    long leased = db.leasedByNewestReplica(id);
                    service.kill();
                    double at = seconds(t0);
                    long killed = System.nanoTime();
                    log = ServiceProcess.logFile("soak-run-" + k);
                    service = new ServiceProcess(env, log).start();
                    lastRestart = System.nanoTime();
                    done++;
                    report(String.format(Locale.ROOT, "kill %d at %.1f s: %d rows left, %d leased by the killed process; ready again in %.1f s",
                            k, at, left, leased, (lastRestart - killed) / 1e9));
                }
                if (finalKillLeft > 0 && done > 0) {
                    // The case of the issue: a kill when few rows are left, whose leases the restarted service must take over.
                    long deadline = System.nanoTime() + runTimeout.toNanos();
                    long left = retrying(() -> db.items(id, "'PENDING','LEASED'"));
                    while (left > finalKillLeft && System.nanoTime() < deadline && "RUNNING".equals(retrying(() -> db.status(id)))) {
                        sleep(0.2);
                        left = retrying(() -> db.items(id, "'PENDING','LEASED'"));
                    }
                    if (left > 0 && left <= finalKillLeft && "RUNNING".equals(retrying(() -> db.status(id)))) {
                        long leased = db.leasedByNewestReplica(id);
                        service.kill();
                        double at = seconds(t0);
                        long killed = System.nanoTime();
                        log = ServiceProcess.logFile("soak-run-final");
                        service = new ServiceProcess(env, log).start();
                        lastRestart = System.nanoTime();
                        done++;
                        report(String.format(Locale.ROOT, "final kill at %.1f s: %d rows left, %d leased by the killed process; ready "
                                + "again in %.1f s", at, left, leased, (lastRestart - killed) / 1e9));
                    }
                }
                long leftAtTail = retrying(() -> db.items(id, "'PENDING','LEASED'"));
                long strandedAtTail = retrying(() -> db.liveLeases(id));
                Outcome o = awaitEnd(service, id, t0);
                double tail = (System.nanoTime() - lastRestart) / 1e9;
                editor.close();
                report(String.format(Locale.ROOT, "interrupted: %d kills, PostgreSQL %s; %d edits made (%d failed); wall %.1f s "
                        + "(POST to COMPLETED); run startedAt->finishedAt %.1f s, index build %.1f s", done, pgFinding, editor.made.get(),
                        editor.failed.get(), o.wallSeconds, o.serviceSeconds, o.buildSeconds));
                report(String.format(Locale.ROOT, "tail: %.1f s from the last restart (ready) to COMPLETED seen, with %d rows left at that "
                        + "moment, %d of them under a lease not yet expired (held by dead processes); the index build is %.1f s of it",
                        tail, leftAtTail, strandedAtTail, o.buildSeconds));
                SoakChecks.Findings f = SoakChecks.check(db, id, fake, o.run.path("model").asText(), o.run.path("dimensions").asInt());
                f.describe("interrupted").forEach(this::report);
                int interruptions = done + (pgBefore > 0 ? 1 : 0);
                report("## summary (measured; lease duration " + (leaseDuration.isEmpty() ? "the service's default" : leaseDuration) + ")");
                report("| figure | goal | measured |");
                report("| --- | --- | --- |");
                report("| rows lost | 0 | " + f.lost() + " of " + f.inScope() + " |");
                report("| rows with a vector of stale text | 0 | " + f.vectorStale() + " (hash check " + f.hashStale() + ") |");
                report(String.format(Locale.ROOT, "| items embedded more than once | <= %d per kill | %d texts, %d extra embeddings read + %d undeliverable answers "
                        + "= %.0f per interruption (%d kills + %s PostgreSQL restart) |", concurrency * batchSize,
                        f.textsEmbeddedTwice(), f.extraEmbeddings(), f.vectorsAnswered() - f.vectorsRead(),
                        (f.extraEmbeddings() + f.vectorsAnswered() - f.vectorsRead()) / (double) Math.max(1, interruptions), done,
                        pgBefore > 0 ? "1" : "0"));
                report(String.format(Locale.ROOT, "| wall time, interrupted vs uninterrupted | - | %.1f s vs %.1f s (x%.2f) |", o.wallSeconds,
                        base.wallSeconds, o.wallSeconds / base.wallSeconds));
                report(String.format(Locale.ROOT, "| tail: last restart to COMPLETED | < 60 s | %.1f s with %d rows left (%d leased by dead "
                        + "processes); of it the index build %.1f s, so %.1f s until the rows were written |", tail, leftAtTail,
                        strandedAtTail, o.buildSeconds, tail - o.buildSeconds));
                report("| fake 429 / 503 answers | 3 % / 2 % | " + f.errors().getOrDefault(429, 0L) + " / " + f.errors().getOrDefault(503, 0L)
                        + " of " + (f.errors().values().stream().mapToLong(Long::longValue).sum() + fake.successfulRequests()) + " requests |");
            } finally {
                service.close();
            }
        }
    }

    /** Restarts the database server and says how the service took it: did the rows go on, how soon, with which errors. */
    private String restartPostgres(SoakDatabase db, ServiceProcess service, Path log, long id, long t0) throws Exception {
        long doneBefore = retrying(() -> db.items(id, "'DONE'"));
        double at = seconds(t0);
        long start = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", pgRestart).redirectErrorStream(true).start();
        boolean exited = p.waitFor(120, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readNBytes(2000), StandardCharsets.UTF_8).trim();
        if (!exited) {
            p.destroyForcibly();
        }
        double restartSeconds = (System.nanoTime() - start) / 1e9;
        long doneAtUp = retrying(() -> db.items(id, "'DONE'"));
        long resumeStart = System.nanoTime();
        double resumed = -1;
        while (System.nanoTime() - resumeStart < TimeUnit.SECONDS.toNanos(90)) {
            if (retrying(() -> db.items(id, "'DONE'")) > doneAtUp || !"RUNNING".equals(retrying(() -> db.status(id)))) {
                resumed = (System.nanoTime() - resumeStart) / 1e9;
                break;
            }
            sleep(0.25);
        }
        int health = -1;
        try {
            health = http.send(HttpRequest.newBuilder(java.net.URI.create(service.managementUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            // reported as -1
        }
        long workerErrors = Files.readAllLines(log).stream().filter(l -> l.contains("stopped on an unexpected error")).count();
        String finding = String.format(Locale.ROOT, "restarted at %.1f s (%s, exit %s, %.1f s%s): rows DONE %d before, %d after; "
                + "writes %s; health/ready %d afterwards; %d worker(s) logged 'stopped on an unexpected error'", at, pgRestart,
                exited ? String.valueOf(p.exitValue()) : "timeout", restartSeconds, output.isEmpty() ? "" : ", said: " + output.replace('\n', ' '),
                doneBefore, doneAtUp, resumed < 0 ? "did NOT resume within 90 s" : String.format(Locale.ROOT, "resumed %.1f s after it", resumed),
                health, workerErrors);
        report("postgres: " + finding);
        return finding;
    }

    /**
     * Edits {@code soak.edits} random rows (appends " Edited n.") at moments drawn from the run's
     * progress: each edit waits until a random share (2 % to 60 %) of the rows is DONE, then a random
     * 0–300 ms. Stops on close, after the last edit, or when the run has no open rows (an edit after
     * the run's final sweep would be stale by design, not by a fault).
     */
    private final class Editor implements AutoCloseable {
        final AtomicInteger made = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Editor(SoakDatabase db, long runId, Random random) {
            long[] thresholds = new long[edits];
            for (int i = 0; i < edits; i++) {
                thresholds[i] = (long) (rows * (0.02 + 0.58 * random.nextDouble()));
            }
            Arrays.sort(thresholds);
            thread = new Thread(() -> {
                try {
                    for (int n = 0; n < edits && !stop.get(); n++) {
                        while (!stop.get() && retrying(() -> db.items(runId, "'DONE'")) < thresholds[n]) {
                            Thread.sleep(100);
                        }
                        Thread.sleep(random.nextInt(300));
                        if (stop.get() || retrying(() -> db.items(runId, "'PENDING','LEASED'")) == 0) {
                            return;
                        }
                        int number = n + 1;
                        long row = 1 + random.nextInt(rows); // the seed's ids are 1..rows
                        if (Boolean.TRUE.equals(retryingOrNull(() -> db.edit(row, number)))) {
                            made.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    failed.incrementAndGet(); // interrupted by close, or the database gone for a minute
                }
            }, "soak-editor");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.interrupt();
            thread.join(10_000);
        }
    }

    // --- the service over HTTP -----------------------------------------------------------------------

    private void apply(ServiceProcess service) throws Exception {
        HttpResponse<String> r = post(service, "/api/migration/apply", "");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("apply: " + r.statusCode() + " " + r.body());
        }
    }

    private long start(ServiceProcess service) throws Exception {
        HttpResponse<String> r = post(service, "/api/backfills", "{\"batchSize\":" + batchSize + ",\"concurrency\":" + concurrency
                + (searchIndex.isEmpty() ? "" : ",\"searchIndex\":\"" + searchIndex + "\"") + "}");
        if (r.statusCode() != 202) {
            throw new IllegalStateException("backfill: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("id").asLong();
    }

    /** Polls the run every 200 ms until it ends (errors of a moment are retried), at most soak.runTimeoutMinutes. */
    private Outcome awaitEnd(ServiceProcess service, long id, long t0) throws Exception {
        long deadline = System.nanoTime() + runTimeout.toNanos();
        JsonNode run = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(service.request("/api/backfills/" + id).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    run = JSON.readTree(r.body());
                    String status = run.path("status").asText();
                    if (!"QUEUED".equals(status) && !"RUNNING".equals(status)) {
                        if (!"COMPLETED".equals(status)) {
                            throw new IllegalStateException("run ended " + run);
                        }
                        double wall = seconds(t0);
                        OffsetDateTime started = OffsetDateTime.parse(run.path("startedAt").asText());
                        OffsetDateTime finished = OffsetDateTime.parse(run.path("finishedAt").asText());
                        JsonNode index = run.path("searchIndex");
                        OffsetDateTime written = index.path("buildStartedAt").isTextual()
                                ? OffsetDateTime.parse(index.path("buildStartedAt").asText()) : finished;
                        return new Outcome(id, wall, Duration.between(started, finished).toMillis() / 1000.0,
                                Duration.between(started, written).toMillis() / 1000.0, index.path("buildSeconds").asDouble(0), run);
                    }
                }
            } catch (IOException e) {
                // the service is restarting or the database is: try again
            }
            sleep(0.2);
        }
        throw new IllegalStateException("run " + id + " did not end within " + runTimeout + ": " + run);
    }

    private HttpResponse<String> post(ServiceProcess service, String path, String body) throws Exception {
        return http.send(service.request(path).header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // --- helpers -------------------------------------------------------------------------------------

    interface Sql<T> {
        T get() throws Exception;
    }

    /** A query retried every 500 ms for up to a minute: the database server may be restarting. */
    private static <T> T retrying(Sql<T> sql) throws Exception {
        Exception last = null;
        for (int i = 0; i < 120; i++) {
            try {
                return sql.get();
            } catch (java.sql.SQLException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw last;
    }

    private static <T> T retryingOrNull(Sql<T> sql) {
        try {
            return retrying(sql);
        } catch (Exception e) {
            return null;
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
    }

    private void report(String line) {
        System.out.println("SOAK " + line);
        try {
            Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
