package dev.reembed.embedding.bedrock;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.reembed.testing.fake.FakeVectors;
import dev.reembed.testing.fake.ProviderFake;

/**
 * A fake of Amazon Bedrock's {@code POST /model/{modelId}/invoke} on a loopback port, for Titan Text
 * Embeddings V2 and Cohere Embed v3. Like Bedrock it checks the SigV4 signature (recomputed from the
 * test secret), the model, and the body against the model's schema; it answers errors in the
 * REST-JSON shape the AWS SDK parses: the type in {@code x-amzn-ErrorType} (with coral's URL tail,
 * which the SDK cuts at ':'), {@code {"message": ...}} in the body. Vectors come from
 * {@link FakeVectors}: Titan's unit length when {@code normalize} (its default), Cohere's not.
 */
public class FakeBedrockApi implements ProviderFake {

    public static final String ACCESS_KEY_ID = "AKIAFAKEBEDROCK0TEST1";
    public static final String SECRET_ACCESS_KEY = "fAkE/bedrock+SECRET/never-in-a-log0123456";
    public static final String REGION = "us-east-1";
    public static final String TITAN = "amazon.titan-embed-text-v2:0";
    public static final String COHERE_EN = "cohere.embed-english-v3";
    public static final String COHERE_MULTI = "cohere.embed-multilingual-v3";

    /** One error answer as Bedrock gives it. */
    public record Fault(int status, String type, String message) {
        static Fault of(int status) {
            return switch (status) {
                case 429 -> new Fault(429, "ThrottlingException", "Too many requests, please wait before trying again.");
                case 503 -> new Fault(503, "ServiceUnavailableException", "Bedrock is unable to process your request.");
                case 408 -> new Fault(408, "ModelTimeoutException", "Model has timed out in processing the request.");
                case 424 -> new Fault(424, "ModelErrorException", "The model returned an error.");
                default -> new Fault(status, "InternalServerException",
                        "The server encountered an internal error while processing the request.");
            };
        }
    }

    /** A request as it arrived: the decoded model id and the body (null when not JSON). */
    public record Request(String modelId, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("/model/([^/]+)/invoke");

    private final HttpServer server;
    private final String targetModel;
    private final int targetDimensions;
    private final Queue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final Queue<String> rawAnswers = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> embedded = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> errors = new ConcurrentHashMap<>();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch together = new CountDownLatch(0);
    private volatile long latencyMillis;
    private volatile Integer downStatus;
    private volatile boolean byType;

    /** Titan V2 at 1024 dimensions as the service's target. */
    public FakeBedrockApi() throws IOException {
        this(TITAN, 1024);
    }

    public FakeBedrockApi(String targetModel, int targetDimensions) throws IOException {
        this.targetModel = targetModel;
        this.targetDimensions = targetDimensions;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(32));
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("reembed.embedding.provider", "bedrock", "reembed.bedrock.region", REGION,
                "reembed.bedrock.endpoint-override", endpoint(), "reembed.bedrock.access-key-id", ACCESS_KEY_ID,
                "reembed.bedrock.secret-access-key", SECRET_ACCESS_KEY, "reembed.target.model", targetModel,
                "reembed.target.dimensions", String.valueOf(targetDimensions));
    }

    /** The same for a packaged service process: credentials as the SDK's environment chain reads them. */
    public Map<String, String> environment() {
        return Map.of("REEMBED_EMBEDDING_PROVIDER", "bedrock", "REEMBED_BEDROCK_REGION", REGION,
                "REEMBED_BEDROCK_ENDPOINT_OVERRIDE", endpoint(), "AWS_ACCESS_KEY_ID", ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY, "REEMBED_TARGET_MODEL", targetModel,
                "REEMBED_TARGET_DIMENSIONS", String.valueOf(targetDimensions));
    }

    @Override
    public void rateLimitNext(int requests) {
        for (int i = 0; i < requests; i++) {
            faults.add(Fault.of(429));
        }
    }

    /** 503 ServiceUnavailable, 500 InternalServer, 408 ModelTimeout, 424 ModelError. */
    @Override
    public void failNext(int status, int requests) {
        for (int i = 0; i < requests; i++) {
            faults.add(Fault.of(status));
        }
    }

    public void enqueue(Fault... more) {
        faults.addAll(List.of(more));
    }

    /** The next request is answered 200 with this body (a broken answer: wrong count, wrong dimension). */
    public void answerNextWith(String body) {
        rawAnswers.add(body);
    }

    /**
     * Cohere answers in the embeddings_by_type shape, {@code "embeddings": {"float": [...]}}, which Bedrock
     * sends when embedding_types is asked for (reembed does not ask; this checks it reads both shapes).
     */
    public void cohereByType(boolean on) {
        this.byType = on;
    }

    @Override
    public void down(Integer status) {
        this.downStatus = status;
    }

    @Override
    public void latency(long millis) {
        this.latencyMillis = millis;
    }

    /** Model access not granted for this model: AccessDeniedException, as Bedrock answers before access is enabled. */
    public void denyAccess(String modelId) {
        denied.add(modelId);
    }

    /**
     * The next {@code n} requests are each held until all {@code n} are in flight at once (at most 10 s):
     * a client that sends them one by one is found out without the test sleeping.
     */
    public void holdUntilInFlight(int n) {
        together = new CountDownLatch(n);
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Every request received (refused ones too), in arrival order. */
    public List<Request> requests() {
        return requests;
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
        rawAnswers.clear();
        byType = false;
        requests.clear();
        embedded.clear();
        errors.clear();
        denied.clear();
        successes.set(0);
        maxInFlight.set(0);
        together = new CountDownLatch(0);
        latencyMillis = 0;
        downStatus = null;
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** Bedrock's own token count (see {@link FakeBedrockModels#tokens}), not reembed's estimate. */
    static int tokens(String text) {
        return FakeBedrockModels.tokens(text);
    }

    private void handle(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try (ex) {
            CountDownLatch latch = together;
            latch.countDown();
            await(latch);
            if (latencyMillis > 0) {
                sleep(latencyMillis);
            }
            answer(ex);
        } finally {
            synchronized (inFlight) {
                inFlight.decrementAndGet();
                inFlight.notifyAll();
            }
        }
    }

    /**
     * Waits until no request is being handled: a test whose client gave up on a slow answer must not
     * leave that request to take the next test's queued faults.
     */
    public void awaitIdle(long timeoutMillis) throws InterruptedException {
        long until = System.currentTimeMillis() + timeoutMillis;
        synchronized (inFlight) {
            while (inFlight.get() > 0 && System.currentTimeMillis() < until) {
                inFlight.wait(Math.max(1, until - System.currentTimeMillis()));
            }
        }
        if (inFlight.get() > 0) {
            throw new AssertionError(inFlight.get() + " request(s) still being answered after " + timeoutMillis + " ms");
        }
    }

    private void answer(HttpExchange ex) throws IOException {
        byte[] raw;
        try (InputStream in = ex.getRequestBody()) {
            raw = in.readAllBytes();
        }
        Matcher m = PATH.matcher(ex.getRequestURI().getRawPath());
        String modelId = m.matches() ? SigV4Check.decodePathSegment(m.group(1)) : null;
        JsonNode body = null;
        try {
            body = JSON.readTree(raw);
        } catch (IOException e) {
            // refused below as Bedrock refuses malformed input
        }
        requests.add(new Request(modelId, body));

        String refusal = authenticate(ex, raw);
        if (refusal != null) {
            error(ex, new Fault(403, refusal.startsWith("The security token") ? "UnrecognizedClientException"
                    : "InvalidSignatureException", refusal));
            return;
        }
        if (!"POST".equals(ex.getRequestMethod()) || modelId == null) {
            error(ex, new Fault(404, "UnknownOperationException", "Unknown operation"));
            return;
        }
        Fault fault = faults.poll();
        if (fault == null && downStatus != null) {
            fault = Fault.of(downStatus);
        }
        if (fault != null) {
            error(ex, fault);
            return;
        }
        String rawAnswer = rawAnswers.poll();
        if (rawAnswer != null) {
            send(ex, 200, JSON.readTree(rawAnswer));
            return;
        }
        boolean titan = TITAN.equals(modelId);
        if (!titan && !COHERE_EN.equals(modelId) && !COHERE_MULTI.equals(modelId)) {
            error(ex, new Fault(404, "ResourceNotFoundException",
                    "Could not resolve the foundation model from the provided model identifier."));
            return;
        }
        if (denied.contains(modelId)) {
            error(ex, new Fault(403, "AccessDeniedException", "You don't have access to the model with the specified model ID."));
            return;
        }
        String invalid = body == null || !body.isObject() ? "Malformed input request, please reformat your input and try again."
                : titan ? FakeBedrockModels.checkTitan(body) : FakeBedrockModels.checkCohere(body);
        if (invalid != null) {
            error(ex, new Fault(400, "ValidationException", invalid));
            return;
        }
        if (titan) {
            answerTitan(ex, body);
        } else {
            answerCohere(ex, body);
        }
    }

    /** Null when the request is signed with the test credentials for bedrock in the fake's region; else AWS's refusal. */
    private static String authenticate(HttpExchange ex, byte[] body) {
        String invalidToken = "The security token included in the request is invalid.";
        SigV4Check.Signed signed = SigV4Check.parse(ex.getRequestHeaders().getFirst("Authorization")).orElse(null);
        if (signed == null || ex.getRequestHeaders().getFirst("X-Amz-Date") == null
                || !ACCESS_KEY_ID.equals(signed.accessKeyId())) {
            return invalidToken;
        }
        if (!REGION.equals(signed.region())) {
            return "Credential should be scoped to a valid region. ";
        }
        if (!"bedrock".equals(signed.service())) {
            return "Credential should be scoped to correct service: 'bedrock'. ";
        }
        if (!SigV4Check.valid(signed, SECRET_ACCESS_KEY, ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                ex.getRequestURI().getRawQuery(), ex.getRequestHeaders(), body)) {
            return "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
                    + "Access Key and signing method. Consult the service documentation for details.";
        }
        return null;
    }

    private void answerTitan(HttpExchange ex, JsonNode body) throws IOException {
        String text = body.get("inputText").asText();
        ex.getResponseHeaders().set("X-Amzn-Bedrock-Input-Token-Count", String.valueOf(tokens(text)));
        succeed(ex, FakeBedrockModels.titanAnswer(body), List.of(text));
    }

    private void answerCohere(HttpExchange ex, JsonNode body) throws IOException {
        List<String> texts = new ArrayList<>();
        body.get("texts").forEach(t -> texts.add(t.asText()));
        succeed(ex, FakeBedrockModels.cohereAnswer(body, byType), texts);
    }

    private void succeed(HttpExchange ex, JsonNode answer, List<String> texts) throws IOException {
        ex.getResponseHeaders().set("X-Amzn-Bedrock-Invocation-Latency", "42");
        send(ex, 200, answer);
        successes.incrementAndGet();
        texts.forEach(t -> embedded.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet());
    }

    private void error(HttpExchange ex, Fault fault) throws IOException {
        errors.computeIfAbsent(fault.status(), k -> new AtomicLong()).incrementAndGet();
        String namespace = fault.type().startsWith("Unrecognized") || fault.type().startsWith("InvalidSignature")
                ? "com.amazon.coral.service" : "com.amazon.bedrock";
        ex.getResponseHeaders().set("x-amzn-ErrorType", fault.type() + ":http://internal.amazon.com/coral/" + namespace + "/");
        send(ex, fault.status(), JSON.createObjectNode().put("message", fault.message()));
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
