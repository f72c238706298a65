package dev.reembed.embedding.gemini;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.reembed.testing.fake.FakeVectors;
import dev.reembed.testing.fake.ProviderFake;

/**
 * A fake of the Gemini API's batchEmbedContents on a loopback port. It checks requests as the real
 * API does (key, model in each item = model in the path, at most 100 items, outputDimensionality
 * 128..3072, non-empty text) and answers with google.rpc error bodies. Vectors are deterministic in
 * the text and task type and deliberately not unit length. Faults queued with {@link #enqueue} are
 * served one per request, before the checks.
 */
public class FakeGeminiApi implements ProviderFake {

    public static final String KEY = "AIzaFAKE-test-key-0123456789abcdef";
    /** A text containing this gets a 400 INVALID_ARGUMENT, as a text the API refuses would. */
    public static final String INVALID_MARKER = ProviderFake.INVALID_MARKER;

    public sealed interface Fault {
    }

    /** 429 RESOURCE_EXHAUSTED on a per-minute quota with RetryInfo.retryDelay (null: no RetryInfo). */
    public record RateLimited(String retryDelay) implements Fault {
    }

    /** 429 RESOURCE_EXHAUSTED on the per-day quota. */
    public record DailyQuota() implements Fault {
    }

    public record ServerError(int status) implements Fault {
    }

    /** Answers normally after sleeping this long. */
    public record Latency(long millis) implements Fault {
    }

    /** A 200 whose vectors have this many values instead of the asked dimensionality. */
    public record WrongDimension(int dimensions) implements Fault {
    }

    /** A 200 with one embedding fewer than asked. */
    public record MissingEmbedding() implements Fault {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("/v1beta/models/([^/:]+):batchEmbedContents");
    /** gemini-embedding-2's retrieval format: "task: search result | query: q" or "title: t | text: c". */
    private static final Pattern PROMPT = Pattern.compile(
            "(?s)task: search result \\| query: (.*)|title: (.*?) \\| text: (.*)");
    /** The models the fake serves (text-embedding-004 was shut down on 2026-01-14: 404, as the real API). */
    private static final java.util.Set<String> MODELS = java.util.Set.of("gemini-embedding-001", "gemini-embedding-2");

    private final HttpServer server;
    private final Queue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> embedded = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String lastKey;
    // Background behaviour, for whole runs rather than single requests (see mix(), latency(), down()).
    private volatile Random mixRandom;
    private volatile boolean wordVectors;
    private volatile double p429;
    private volatile double p503;
    private volatile double pTimeout;
    private volatile long timeoutMillis;
    private volatile long latencyMillis;
    private volatile Integer downStatus;
    private volatile io.github.bucket4j.Bucket quota;
    // Benchmarks of 100k+ rows turn this off: every body and text kept in memory would take GBs.
    private volatile boolean recording = true;

    public FakeGeminiApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1beta";
    }

    /**
     * A request held by the fake until the test lets it go: the test orders a call against other
     * events (a pause, a resume) without sleeping.
     */
    public static final class Gate {
        private final java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        private volatile Fault answer;

        private Fault hold() {
            arrived.countDown();
            try {
                if (!released.await(5, java.util.concurrent.TimeUnit.MINUTES)) {
                    throw new IllegalStateException("a held request was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return answer;
        }

        /** Waits until a request is held here. */
        public Gate awaitHeld(java.time.Duration timeout) throws InterruptedException {
            if (!arrived.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no request reached the fake within " + timeout);
            }
            return this;
        }

        /** Lets the held request go on as the fake's state says now. */
        public void pass() {
            released.countDown();
        }

        /** Answers the held request with this fault. */
        public void answer(Fault fault) {
            this.answer = fault;
            released.countDown();
        }
    }

    private final Queue<Gate> gates = new ConcurrentLinkedQueue<>();
    private final List<Gate> issued = new CopyOnWriteArrayList<>();

    /** The next request to arrive is held until the returned gate is passed or answered. */
    public Gate holdNext() {
        Gate gate = new Gate();
        issued.add(gate);
        gates.add(gate);
        return gate;
    }

    @Override
    public java.util.Map<String, String> serviceConfig() {
        return java.util.Map.of("reembed.embedding.provider", "gemini", "reembed.gemini.base-url", baseUrl(),
                "reembed.gemini.api-key", KEY);
    }

    @Override
    public void rateLimitNext(int requests) {
        for (int i = 0; i < requests; i++) {
            enqueue(new RateLimited("0.2s"));
        }
    }

    @Override
    public void failNext(int status, int requests) {
        for (int i = 0; i < requests; i++) {
            enqueue(new ServerError(status));
        }
    }

    public void enqueue(Fault... more) {
        faults.addAll(List.of(more));
    }

    /**
     * Whether request bodies ({@link #requests()}) and embedded texts ({@link #embeddedTexts()})
     * are kept (default true). Off, only {@link #successfulRequests()} counts.
     */
    public FakeGeminiApi recording(boolean on) {
        this.recording = on;
        return this;
    }

    /** Every request body received (also the refused ones), in order. */
    public List<JsonNode> requests() {
        return requests;
    }

    public String lastKey() {
        return lastKey;
    }

    @Override
    public void reset() {
        gates.clear();
        issued.forEach(Gate::pass);
        issued.clear();
        faults.clear();
        requests.clear();
        embedded.clear();
        successes.set(0);
        vectorsAnswered.set(0);
        errors.clear();
        mixRandom = null;
        latencyMillis = 0;
        downStatus = null;
        quota = null;
    }

    /**
     * From now on each request fails at random, seeded: a 429 with RetryInfo ({@code retryDelay}
     * 0.2s) with probability {@code p429}, a 503 with {@code p503}, and with {@code pTimeout} an
     * answer held for {@code timeoutMillis} (longer than the client's read timeout).
     */
    public void mix(long seed, double p429, double p503, double pTimeout, long timeoutMillis) {
        this.p429 = p429;
        this.p503 = p503;
        this.pTimeout = pTimeout;
        this.timeoutMillis = timeoutMillis;
        this.mixRandom = new Random(seed);
    }

    /**
     * Vectors with a neighbourhood structure (default off: independent random vectors). On, a text's
     * vector is the sum of a fixed sparse pattern per word plus a little per-text noise, so that
     * texts sharing words are near each other, as with a real model, and a recall@10 measured on
     * them means something (on random 1536-d vectors every neighbour but the query's own row is a
     * near-tie). Still un-normalised, like Gemini's reduced-dimension output.
     */
    public FakeGeminiApi wordVectors(boolean on) {
        this.wordVectors = on;
        return this;
    }

    /** Every answer takes at least this long (the real API answers a 100-item batch in ~150 ms). */
    /**
     * A per-minute request quota the service is not told: a token bucket of a tenth of a minute's
     * requests, refilled evenly; a request over it gets the per-minute 429 with a RetryInfo of the
     * time until the next request would fit. Null: no quota.
     */
    public void quota(Integer requestsPerMinute) {
        this.quota = requestsPerMinute == null ? null : io.github.bucket4j.Bucket.builder()
                .addLimit(l -> l.capacity(Math.max(1, requestsPerMinute / 10)).refillGreedy(requestsPerMinute,
                        java.time.Duration.ofMinutes(1)))
                .build();
    }

    @Override
    public void latency(long millis) {
        this.latencyMillis = millis;
    }

    /** An outage: every request fails with this status until {@code down(null)}. */
    @Override
    public void down(Integer status) {
        this.downStatus = status;
    }

    /** How many times each text was embedded successfully (answered with a vector). */
    @Override
    public java.util.Map<String, Integer> embeddedTexts() {
        java.util.Map<String, Integer> out = new java.util.HashMap<>();
        embedded.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Number of requests answered with vectors. */
    @Override
    public long successfulRequests() {
        return successes.get();
    }

    private final java.util.concurrent.atomic.AtomicLong successes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong vectorsAnswered = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Map<Integer, java.util.concurrent.atomic.AtomicLong> errors = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Vectors put in 200 answers, counted before the answer is sent: unlike {@link #embeddedTexts()},
     * this includes answers the caller never read (it was killed or had timed out), which a real
     * provider bills all the same.
     */
    public long vectorsAnswered() {
        return vectorsAnswered.get();
    }

    /** How many error answers of each HTTP status were sent (queued faults, the mix, down(), refusals). */
    @Override
    public java.util.Map<Integer, Long> errorsServed() {
        java.util.Map<Integer, Long> out = new java.util.TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode body;
            try (InputStream in = ex.getRequestBody()) {
                body = JSON.readTree(in.readAllBytes());
            } catch (IOException e) {
                error(ex, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.", null);
                return;
            }
            if (recording) {
                requests.add(body);
            }
            lastKey = ex.getRequestHeaders().getFirst("x-goog-api-key");
            Matcher m = PATH.matcher(ex.getRequestURI().getPath());
            if (!"POST".equals(ex.getRequestMethod()) || !m.matches()) {
                error(ex, 404, "NOT_FOUND", "Requested entity was not found.", null);
                return;
            }
            String model = m.group(1);
            if (!MODELS.contains(model)) {
                // What the Gemini API answers for a model it does not (or no longer) serve, e.g. text-embedding-004.
                error(ex, 404, "NOT_FOUND", "models/" + model + " is not found for API version v1beta, or is not "
                        + "supported for batchEmbedContents. Call ListModels to see the list of available models "
                        + "and their supported methods.", null);
                return;
            }

            if (latencyMillis > 0) {
                sleep(latencyMillis);
            }
            Gate gate = gates.poll();
            Fault fault = gate == null ? null : gate.hold();
            if (fault == null) {
                fault = faults.poll();
            }
            if (fault == null && quota != null) {
                io.github.bucket4j.ConsumptionProbe probe = quota.tryConsumeAndReturnRemaining(1);
                if (!probe.isConsumed()) {
                    long millis = Math.max(1, probe.getNanosToWaitForRefill() / 1_000_000);
                    fault = new RateLimited(String.format(java.util.Locale.ROOT, "%.3fs", millis / 1000.0));
                }
            }
            if (fault == null && downStatus != null) {
                fault = new ServerError(downStatus);
            }
            Random mix = mixRandom;
            if (fault == null && mix != null) {
                double roll;
                synchronized (mix) {
                    roll = mix.nextDouble();
                }
                if (roll < p429) {
                    fault = new RateLimited("0.2s");
                } else if (roll < p429 + p503) {
                    fault = new ServerError(503);
                } else if (roll < p429 + p503 + pTimeout) {
                    fault = new Latency(timeoutMillis);
                }
            }
            Integer wrongDims = null;
            boolean dropOne = false;
            if (fault instanceof RateLimited r) {
                ArrayNode details = JSON.createArrayNode();
                details.add(quotaFailure("GenerateRequestsPerMinutePerProjectPerModel"));
                if (r.retryDelay() != null) {
                    details.add(JSON.createObjectNode().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                            .put("retryDelay", r.retryDelay()));
                }
                error(ex, 429, "RESOURCE_EXHAUSTED",
                        "You exceeded your current quota, please check your plan and billing details.", details);
                return;
            } else if (fault instanceof DailyQuota) {
                ArrayNode details = JSON.createArrayNode();
                details.add(quotaFailure("EmbedContentRequestsPerDayPerProjectPerModel-FreeTier"));
                details.add(JSON.createObjectNode().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                        .put("retryDelay", "37s"));
                error(ex, 429, "RESOURCE_EXHAUSTED",
                        "You exceeded your current quota, please check your plan and billing details.", details);
                return;
            } else if (fault instanceof ServerError s) {
                String status = switch (s.status()) {
                    case 503 -> "UNAVAILABLE";
                    case 504 -> "DEADLINE_EXCEEDED";
                    default -> "INTERNAL";
                };
                error(ex, s.status(), status, "The service is currently unavailable.", null);
                return;
            } else if (fault instanceof Latency l) {
                try {
                    Thread.sleep(l.millis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } else if (fault instanceof WrongDimension w) {
                wrongDims = w.dimensions();
            } else if (fault instanceof MissingEmbedding) {
                dropOne = true;
            }

            if (lastKey == null || lastKey.isEmpty()) {
                error(ex, 403, "PERMISSION_DENIED",
                        "Method doesn't allow unregistered callers (callers without established identity). "
                                + "Please use API Key or other form of API consumer identity to call this API.",
                        null);
                return;
            }
            if (!KEY.equals(lastKey)) {
                ArrayNode details = JSON.createArrayNode();
                details.add(JSON.createObjectNode().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                        .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com"));
                error(ex, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details);
                return;
            }
            JsonNode items = body.path("requests");
            if (!items.isArray() || items.isEmpty()) {
                error(ex, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is required", null);
                return;
            }
            if (items.size() > 100) {
                error(ex, 400, "INVALID_ARGUMENT",
                        "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch", null);
                return;
            }
            ArrayNode embeddings = JSON.createArrayNode();
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                if (!("models/" + model).equals(item.path("model").asText())) {
                    error(ex, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.model: Model in the request ("
                            + item.path("model").asText() + ") doesn't match the model in the URL (models/" + model
                            + ").", null);
                    return;
                }
                int dims = item.path("outputDimensionality").asInt(3072);
                if (dims < 128 || dims > 3072) {
                    error(ex, 400, "INVALID_ARGUMENT",
                            "* BatchEmbedContentsRequest.requests[" + i + "].output_dimensionality: must be between 128 and 3072",
                            null);
                    return;
                }
                String text = item.path("content").path("parts").path(0).path("text").asText("");
                String variant = item.path("taskType").asText();
                if (model.startsWith("gemini-embedding-2")) {
                    // -2 takes its task in the text; this fake refuses the 001-era fields so the client cannot send them.
                    if (item.has("taskType") || item.has("title")) {
                        error(ex, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests[" + i
                                + "]: task_type and title are not supported by models/" + model
                                + "; write the task into the text", null);
                        return;
                    }
                    Matcher p = PROMPT.matcher(text);
                    if (p.matches()) {
                        variant = p.group(1) != null ? "query" : "document";
                        text = p.group(1) != null ? p.group(1) : ("none".equals(p.group(2)) ? "" : p.group(2) + " ") + p.group(3);
                    }
                }
                if (text.isEmpty()) {
                    error(ex, 400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests[" + i
                            + "].content.parts: contents are required", null);
                    return;
                }
                if (text.contains(INVALID_MARKER)) {
                    error(ex, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.", null);
                    return;
                }
                if (dropOne && i == items.size() - 1) {
                    break;
                }
                ArrayNode values = JSON.createArrayNode();
                Random r = new Random((variant + "|" + item.path("title").asText() + "|" + text).hashCode());
                int n = wrongDims != null ? wrongDims : dims;
                if (wordVectors) {
                    for (float x : FakeVectors.of(item.path("title").asText() + " " + text, n, variant)) {
                        values.add(x); // Gemini answers float32 values
                    }
                } else {
                    for (int d = 0; d < n; d++) {
                        values.add((float) (r.nextGaussian() * 0.7 + 0.05)); // float32, norm far from 1, as reduced Gemini output is
                    }
                }
                embeddings.add(JSON.createObjectNode().set("values", values));
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.set("embeddings", embeddings);
            vectorsAnswered.addAndGet(embeddings.size());
            send(ex, 200, answer);
            successes.incrementAndGet();
            for (int i = 0; recording && i < embeddings.size(); i++) {
                embedded.computeIfAbsent(items.get(i).path("content").path("parts").path(0).path("text").asText(""),
                        k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode quotaFailure(String quotaId) {
        ObjectNode violation = JSON.createObjectNode()
                .put("quotaMetric", "generativelanguage.googleapis.com/embed_content_free_tier_requests")
                .put("quotaId", quotaId);
        violation.set("quotaDimensions", JSON.createObjectNode().put("location", "global")
                .put("model", "gemini-embedding-001"));
        ObjectNode failure = JSON.createObjectNode().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
        failure.set("violations", JSON.createArrayNode().add(violation));
        return failure;
    }

    private void error(HttpExchange ex, int code, String status, String message, ArrayNode details)
            throws IOException {
        errors.computeIfAbsent(code, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        ObjectNode error = JSON.createObjectNode().put("code", code).put("message", message).put("status", status);
        if (details != null) {
            error.set("details", details);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("error", error);
        send(ex, code, body);
    }

    private static void send(HttpExchange ex, int code, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
