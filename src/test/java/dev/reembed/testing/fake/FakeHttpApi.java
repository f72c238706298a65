package dev.reembed.testing.fake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.reembed.embedding.TokenEstimator;

/**
 * The plumbing a vendor fake on a loopback port needs (JDK HttpServer): recorded requests, a queue of
 * faults served one per request before the vendor's own checks, an outage switch, latency, and the
 * counters of {@link ProviderFake}. Each vendor's subclass speaks its vendor's request, answer and
 * error shapes in {@link #answer}, {@link #rateLimited} and {@link #serverError}.
 */
public abstract class FakeHttpApi implements ProviderFake {

    protected static final ObjectMapper JSON = new ObjectMapper();

    /** Something a test wants the next request to get instead of (or on top of) the normal answer. */
    public interface Fault {
    }

    /** The vendor's rate-limit answer; {@code retryAfter} is sent as a Retry-After header when not null. */
    public record RateLimited(Duration retryAfter) implements Fault {
    }

    /** A server error of this status, in the vendor's shape. */
    public record ServerError(int status) implements Fault {
    }

    /** Answers normally after sleeping this long (longer than the client's read timeout: a timeout). */
    public record Latency(long millis) implements Fault {
    }

    /** A 200 whose vectors have this many values instead of the asked dimensionality. */
    public record WrongDimension(int dimensions) implements Fault {
    }

    /** A 200 with one embedding fewer than asked. */
    public record MissingEmbedding() implements Fault {
    }

    private final HttpServer server;
    private final String basePath;
    private final Queue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> embedded = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> errors = new ConcurrentHashMap<>();
    private final AtomicLong successes = new AtomicLong();
    private volatile String lastAuthorization;
    private volatile long latencyMillis;
    private volatile Integer downStatus;
    private volatile boolean recording = true;
    private volatile ToLongFunction<String> tokenizer = TokenEstimator::estimate;

    /** @param basePath the API's path prefix, e.g. {@code /v1} */
    protected FakeHttpApi(String basePath) throws IOException {
        this.basePath = basePath;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + basePath;
    }

    /** One request as a subclass sees it: parsed body (null when it was not JSON), path, headers. */
    protected final class Call {
        private final HttpExchange exchange;
        public final JsonNode body;

        private Call(HttpExchange exchange, JsonNode body) {
            this.exchange = exchange;
            this.body = body;
        }

        public String method() {
            return exchange.getRequestMethod();
        }

        /** The path below {@link #baseUrl()}, e.g. {@code /embeddings}. */
        public String path() {
            String p = exchange.getRequestURI().getPath();
            return p.startsWith(basePath) ? p.substring(basePath.length()) : p;
        }

        public String header(String name) {
            return exchange.getRequestHeaders().getFirst(name);
        }

        /** An error answer: counted in {@link #errorsServed()}. */
        public void error(int status, String contentType, String text, Map<String, String> headers) throws IOException {
            errors.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            send(status, contentType, text.getBytes(StandardCharsets.UTF_8), headers);
        }

        public void error(int status, JsonNode json, Map<String, String> headers) throws IOException {
            error(status, "application/json", JSON.writeValueAsString(json), headers);
        }

        /** A 200 carrying vectors for {@code texts}: counted in {@link #successfulRequests()} and {@link #embeddedTexts()}. */
        public void ok(JsonNode json, Map<String, String> headers, List<String> texts) throws IOException {
            send(200, "application/json", JSON.writeValueAsBytes(json), headers);
            successes.incrementAndGet();
            for (int i = 0; recording && i < texts.size(); i++) {
                embedded.computeIfAbsent(texts.get(i), k -> new AtomicInteger()).incrementAndGet();
            }
        }

        private void send(int status, String contentType, byte[] bytes, Map<String, String> headers) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The vendor's checks and answer; {@code fault} is a queued fault other than the common ones, or null. */
    protected abstract void answer(Call call, Fault fault) throws IOException;

    /** The vendor's 429. */
    protected abstract void rateLimited(Call call, RateLimited fault) throws IOException;

    /** The vendor's 5xx of this status. */
    protected abstract void serverError(Call call, int status) throws IOException;

    /** What {@link #rateLimitNext} queues. */
    protected Fault rateLimit() {
        return new RateLimited(null);
    }

    /** The vendor's token count of a text (default: the service's own estimate). */
    protected long tokens(String text) {
        return tokenizer.applyAsLong(text);
    }

    /**
     * Counts tokens with this instead of the service's estimate, as the vendor's own tokenizer would:
     * shows that the service reports the vendor's count, not its guess.
     */
    public void tokenizer(ToLongFunction<String> count) {
        this.tokenizer = count;
    }

    public void enqueue(Fault... more) {
        faults.addAll(List.of(more));
    }

    @Override
    public void rateLimitNext(int requests) {
        for (int i = 0; i < requests; i++) {
            enqueue(rateLimit());
        }
    }

    @Override
    public void failNext(int status, int requests) {
        for (int i = 0; i < requests; i++) {
            enqueue(new ServerError(status));
        }
    }

    @Override
    public void down(Integer status) {
        this.downStatus = status;
    }

    @Override
    public void latency(long millis) {
        this.latencyMillis = millis;
    }

    /** Whether bodies and embedded texts are kept (default true; off for long benchmarks). */
    public FakeHttpApi recording(boolean on) {
        this.recording = on;
        return this;
    }

    /** Every request body received (also the refused ones), in order. */
    public List<JsonNode> requests() {
        return requests;
    }

    /** The Authorization header of the last request. */
    public String lastAuthorization() {
        return lastAuthorization;
    }

    @Override
    public Map<String, Integer> embeddedTexts() {
        Map<String, Integer> out = new HashMap<>();
        embedded.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    @Override
    public Map<Integer, Long> errorsServed() {
        Map<Integer, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    @Override
    public long successfulRequests() {
        return successes.get();
    }

    @Override
    public void reset() {
        faults.clear();
        requests.clear();
        embedded.clear();
        errors.clear();
        successes.set(0);
        latencyMillis = 0;
        downStatus = null;
        tokenizer = TokenEstimator::estimate;
        onReset();
    }

    /** A subclass's own state to forget in {@link #reset()}. */
    protected void onReset() {
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = JSON.readTree(in.readAllBytes());
            } catch (IOException e) {
                body = null;
            }
            if (recording && body != null) {
                requests.add(body);
            }
            lastAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
            Call call = new Call(exchange, body);
            if (latencyMillis > 0) {
                sleep(latencyMillis);
            }
            Fault fault = faults.poll();
            if (fault == null && downStatus != null) {
                fault = new ServerError(downStatus);
            }
            if (fault instanceof Latency l) {
                sleep(l.millis());
                fault = null;
            }
            if (fault instanceof RateLimited r) {
                rateLimited(call, r);
            } else if (fault instanceof ServerError s) {
                serverError(call, s.status());
            } else {
                answer(call, fault);
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
}
