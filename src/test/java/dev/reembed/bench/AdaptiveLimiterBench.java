package dev.reembed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.testing.ScratchDatabase;
import dev.reembed.testing.ServiceProcess;

/**
 * The adaptive limiter measured (issue 14, docs/BENCHMARKS.md "Adaptive limiter"): the packaged
 * service with its shipped limiter settings (start at the free tier's 100 requests a minute, ceiling
 * 3,000) backfills against the fake Gemini API, whose per-minute request quota it is not told. The
 * fake's counts are sampled every second: the achieved rate against the quota, how soon it reaches
 * 0.9 × the quota and holds it, and the share of requests answered 429.
 *
 * <p>Run with {@code scripts/bench.sh --limiter}. System properties: {@code bench.limiterQuota}
 * (600,300: requests a minute, one run each), {@code bench.limiterSeconds} (240),
 * {@code bench.latencyMs} (150), {@code bench.limiterConcurrency} (8), {@code bench.limiterBatch} (50 rows a
 * request: enough rows a second for the backfill itself never to be what binds, few enough tokens a
 * request, ~1,000, for the shipped token ceiling not to bind either).
 */
class AdaptiveLimiterBench {

    private final HttpClient http = HttpClient.newHttpClient();
    private final int seconds = Integer.getInteger("bench.limiterSeconds", 240);
    private final long latencyMs = Long.getLong("bench.latencyMs", 150);
    private final int concurrency = Integer.getInteger("bench.limiterConcurrency", 8);
    private final int batch = Integer.getInteger("bench.limiterBatch", 50);
    private final Path out = Path.of("target/bench/results-limiter.txt");

    @Test
    void run() throws Exception {
        Files.createDirectories(out.getParent());
        report("# adaptive limiter, started " + Instant.now() + ", " + seconds + " s a run, fake latency " + latencyMs
                + " ms, concurrency " + concurrency + ", " + batch + " rows a request, load "
                + Files.readString(Path.of("/proc/loadavg")).trim());
        for (String q : System.getProperty("bench.limiterQuota", "600,300").split(",")) {
            int quota = Integer.parseInt(q.strip());
            Result r = against(quota);
            report(r.describe());
            assertThat(r.settledAt()).as("second from which every 30 s reach 0.9 of the quota").isBetween(0, 120);
            assertThat(r.refusedShare()).as("share of requests answered 429").isLessThanOrEqualTo(0.02);
        }
    }

    record Result(int quota, List<Long> ok, List<Long> refused, List<Integer> limiterRpm) {

        double rate(int from, int to) {
            return (ok.get(Math.min(to, ok.size() - 1)) - ok.get(from)) * 60.0 / (Math.min(to, ok.size() - 1) - from);
        }

        /** The first second from which every later 30-s window reaches 0.9 × the quota; -1 if none. */
        int settledAt() {
            int settled = -1;
            for (int s = 0; s + 30 < ok.size(); s++) {
                boolean good = rate(s, s + 30) >= 0.9 * quota;
                if (good && settled < 0) {
                    settled = s;
                } else if (!good) {
                    settled = -1;
                }
            }
            return settled;
        }

        double refusedShare() {
            long sent = ok.get(ok.size() - 1) + refused.get(refused.size() - 1);
            return sent == 0 ? 0 : (double) refused.get(refused.size() - 1) / sent;
        }

        String describe() {
            int last = ok.size() - 1;
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "quota %d req/min (untold): reaches and holds 0.9 x quota from second %d; 429s %.2f %% of %d requests; "
                            + "achieved minute 1 %.0f, minute 2 %.0f, from minute 2 to the end %.0f req/min = %.3f x quota",
                    quota, settledAt(), 100 * refusedShare(), ok.get(last) + refused.get(last), rate(0, 60),
                    rate(60, 120), rate(120, last), rate(120, last) / quota));
            s.append("\n  limiter rate (req/min) every 10 s: ");
            for (int i = 0; i < limiterRpm.size(); i += 10) {
                s.append(limiterRpm.get(i)).append(' ');
            }
            return s.toString();
        }
    }

    private Result against(int quota) throws Exception {
        try (FakeGeminiApi fake = new FakeGeminiApi().recording(false); ScratchDatabase db = new ScratchDatabase()) {
            fake.latency(latencyMs);
            Map<String, String> env = ServiceProcess.against(db.config, fake);
            // The shipped limiter: what a project that configures nothing gets.
            env.remove("REEMBED_EMBEDDING_REQUESTS_PER_MINUTE");
            env.remove("REEMBED_EMBEDDING_TOKENS_PER_MINUTE");
            try (ServiceProcess service = new ServiceProcess(env, ServiceProcess.logFile("bench-limiter-" + quota)).start()) {
                long rows = (long) quota * batch * seconds / 60 * 2; // more than the quota lets through in the run
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    // As in BackfillBench's quota phase: the rows are written without the HNSW index (a
                    // shipped run drops it above 10,000 rows), so index upkeep is not what binds the rate.
                    st.execute("drop index idx_questions_embedding");
                    st.execute("insert into questions (title, content) select 'Question ' || g, 'Why does step ' || g"
                            + " || ' fail after the upgrade?' from generate_series(1, " + rows + ") g");
                }
                fake.quota(quota);
                HttpResponse<String> started = http.send(service.request("/api/backfills")
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                "{\"batchSize\":" + batch + ",\"concurrency\":" + concurrency + ",\"searchIndex\":\"KEEP\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                List<Long> ok = new ArrayList<>();
                List<Long> refused = new ArrayList<>();
                List<Integer> limiter = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int s = 0; s <= seconds; s++) {
                    long due = t0 + s * 1_000_000_000L;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // a sampling clock, not a condition
                    }
                    ok.add(fake.successfulRequests());
                    refused.add(fake.errorsServed().getOrDefault(429, 0L));
                    limiter.add(s % 10 == 0 ? limiterRate(service) : -1);
                }
                return new Result(quota, ok, refused, limiter);
            }
        }
    }

    private int limiterRate(ServiceProcess service) {
        try {
            String metrics = http.send(HttpRequest.newBuilder(java.net.URI.create(service.managementUrl() + "/q/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            return metrics.lines().filter(l -> l.startsWith("reembed_limiter_requests_per_minute"))
                    .map(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
        } catch (Exception e) {
            return -1;
        }
    }

    private void report(String line) throws Exception {
        System.out.println(line);
        Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
