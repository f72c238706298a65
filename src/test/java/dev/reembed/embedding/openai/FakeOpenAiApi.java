package dev.reembed.embedding.openai;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.reembed.testing.fake.FakeHttpApi;
import dev.reembed.testing.fake.FakeVectors;

/**
 * A fake of OpenAI's {@code POST /v1/embeddings} that checks what OpenAI checks and refuses as it
 * refuses, with its {@code {"error":{message,type,param,code}}} bodies (messages as seen in real
 * answers where one was found): the Bearer key (401), a known model (404), 1..2048 inputs, no empty
 * input, at most 8192 tokens per input and 300,000 per request (400), no {@code dimensions} for
 * ada-002 and 1..max for text-embedding-3-* (400). Tokens are counted with {@link #tokens}.
 *
 * <p>Answers carry unit vectors ({@link FakeVectors#unit}), {@code data} in a shuffled order with the
 * right {@code index} (the API promises the index, not the order), {@code usage}, and the
 * x-ratelimit-* headers of a quota that is enforced: over it a request gets OpenAI's 429
 * {@code rate_limit_exceeded} with those headers and a {@code retry-after}. The quota refills
 * continuously on {@link #clock} (a test's fake clock, so waiting on the fake clock refills it).
 */
public class FakeOpenAiApi extends FakeHttpApi {

    public static final String KEY = "sk-proj-FAKEopenai0123456789abcdefKEY";
    static final int MAX_INPUTS = 2048;
    static final long MAX_TOKENS_PER_REQUEST = 300_000;
    static final long MAX_INPUT_TOKENS = 8192;
    static final String INPUT_INVALID = "'$.input' is invalid. Please check the API reference: "
            + "https://platform.openai.com/docs/api-reference.";

    /** @param dimensionsParam whether the model takes {@code dimensions} (text-embedding-3 and later) */
    record Model(int maxDimensions, boolean dimensionsParam) {
    }

    static final Map<String, Model> MODELS = Map.of(
            "text-embedding-3-small", new Model(1536, true),
            "text-embedding-3-large", new Model(3072, true),
            "text-embedding-ada-002", new Model(1536, false));

    /** 429 {@code insufficient_quota} (or a newer code such as {@code credit_balance_exhausted}). */
    public record InsufficientQuota(String code) implements Fault {
    }

    private final Object quotaLock = new Object();
    private volatile LongSupplier clock = System::nanoTime;
    private int rpm;
    private long tpm;
    private double requestsLeft;
    private double tokensLeft;
    private long refilledAt;
    private long answered;

    public FakeOpenAiApi() throws IOException {
        super("/v1");
        quota(10_000, 10_000_000);
    }

    /** The account's per-minute limits, full now; sent in every answer's headers and enforced. */
    public void quota(int requestsPerMinute, long tokensPerMinute) {
        synchronized (quotaLock) {
            rpm = requestsPerMinute;
            tpm = tokensPerMinute;
            requestsLeft = rpm;
            tokensLeft = tpm;
            refilledAt = clock.getAsLong();
        }
    }

    /** The time the quota refills on (nanoseconds); default System.nanoTime. */
    public void clock(LongSupplier nanos) {
        synchronized (quotaLock) {
            clock = nanos;
            refilledAt = nanos.getAsLong();
        }
    }

    /** The next request gets 429 insufficient_quota: the account has no credit left. */
    public void insufficientQuotaNext() {
        enqueue(new InsufficientQuota("insufficient_quota"));
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("reembed.embedding.provider", "openai", "reembed.openai.base-url", baseUrl(),
                "reembed.openai.api-key", KEY, "reembed.target.model", "text-embedding-3-small",
                "reembed.target.dimensions", "1536");
    }

    @Override
    protected void onReset() {
        clock = System::nanoTime;
        quota(10_000, 10_000_000);
    }

    @Override
    protected void answer(Call call, Fault fault) throws IOException {
        if (call.body == null) {
            refuse(call, 400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    + "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was "
                    + "not valid JSON.)", "invalid_request_error", null, null);
            return;
        }
        if (!"POST".equals(call.method()) || !"/embeddings".equals(call.path())) {
            refuse(call, 404, "Invalid URL (" + call.method() + " /v1" + call.path() + ")", "invalid_request_error",
                    null, null);
            return;
        }
        String auth = call.header("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() == "Bearer ".length()) {
            refuse(call, 401, "You didn't provide an API key. You need to provide your API key in an Authorization "
                    + "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", null,
                    null);
            return;
        }
        String key = auth.substring("Bearer ".length());
        if (!KEY.equals(key)) {
            refuse(call, 401, "Incorrect API key provided: " + masked(key) + ". You can find your API key at "
                    + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
            return;
        }
        if (fault instanceof InsufficientQuota q) {
            refuse(call, 429, "You exceeded your current quota, please check your plan and billing details. For more "
                    + "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                    "insufficient_quota", null, q.code());
            return;
        }
        String modelId = call.body.path("model").asText("");
        Model model = MODELS.get(modelId);
        if (model == null) {
            refuse(call, 404, "The model `" + modelId + "` does not exist or you do not have access to it.",
                    "invalid_request_error", null, "model_not_found");
            return;
        }
        List<String> texts = inputs(call.body.path("input"));
        if (texts == null || texts.isEmpty() || texts.size() > MAX_INPUTS
                || texts.stream().anyMatch(t -> t.isEmpty() || t.contains(INVALID_MARKER))) {
            refuse(call, 400, INPUT_INVALID, "invalid_request_error", null, null);
            return;
        }
        long total = 0;
        for (String t : texts) {
            long n = tokens(t);
            if (n > MAX_INPUT_TOKENS) {
                refuse(call, 400, "This model's maximum context length is " + MAX_INPUT_TOKENS + " tokens, however you "
                        + "requested " + n + " tokens (" + n + " in your prompt; 0 for the completion). Please reduce "
                        + "your prompt; or completion length.", "invalid_request_error", null, null);
                return;
            }
            total += n;
        }
        if (total > MAX_TOKENS_PER_REQUEST) {
            refuse(call, 400, "Requested " + total + " tokens, max " + MAX_TOKENS_PER_REQUEST + " tokens per request",
                    "max_tokens_per_request", null, "max_tokens_per_request");
            return;
        }
        int dims = model.maxDimensions();
        JsonNode dimensions = call.body.path("dimensions");
        if (!dimensions.isMissingNode() && !dimensions.isNull()) {
            if (!model.dimensionsParam()) {
                refuse(call, 400, "This model does not support specifying dimensions.", "invalid_request_error", null,
                        null);
                return;
            }
            if (!dimensions.isInt() || dimensions.asInt() < 1 || dimensions.asInt() > model.maxDimensions()) {
                refuse(call, 400, "Invalid 'dimensions': expected an integer from 1 to " + model.maxDimensions()
                        + ", but got " + dimensions + " instead.", "invalid_request_error", "dimensions", null);
                return;
            }
            dims = dimensions.asInt();
        }
        String format = call.body.path("encoding_format").asText("float");
        if (!"float".equals(format)) {
            // OpenAI also takes "base64"; the service never asks for it, so the fake does not implement it.
            refuse(call, 400, "The fake supports encoding_format float only, got " + format, "invalid_request_error",
                    "encoding_format", null);
            return;
        }
        if (overQuota(call, modelId, total)) {
            return;
        }
        ok(call, modelId, texts, dims, total, fault);
    }

    private void ok(Call call, String modelId, List<String> texts, int dims, long total, Fault fault) throws IOException {
        int n = fault instanceof WrongDimension w ? w.dimensions() : dims;
        List<ObjectNode> data = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            ArrayNode values = JSON.createArrayNode();
            for (float x : FakeVectors.unit(texts.get(i), n, modelId)) {
                values.add(x);
            }
            ObjectNode item = JSON.createObjectNode().put("object", "embedding").put("index", i);
            item.set("embedding", values);
            data.add(item);
        }
        if (fault instanceof MissingEmbedding) {
            data.remove(data.size() - 1);
        }
        long seed;
        synchronized (quotaLock) {
            seed = answered++;
        }
        Collections.shuffle(data, new Random(seed)); // the index, not the order, says which input it is
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        body.set("data", JSON.createArrayNode().addAll(data));
        body.put("model", modelId);
        body.set("usage", JSON.createObjectNode().put("prompt_tokens", total).put("total_tokens", total));
        Map<String, String> headers = quotaHeaders();
        headers.put("openai-model", modelId);
        headers.put("openai-processing-ms", "42");
        headers.put("x-request-id", "req_" + UUID.randomUUID().toString().replace("-", ""));
        call.ok(body, headers, texts);
    }

    /** Takes one request and {@code tokens} from the quota, or answers OpenAI's 429 and returns true. */
    private boolean overQuota(Call call, String modelId, long tokens) throws IOException {
        String message;
        String type;
        Duration wait;
        synchronized (quotaLock) {
            refill();
            if (requestsLeft >= 1 && tokensLeft >= tokens) {
                requestsLeft -= 1;
                tokensLeft -= tokens;
                return false;
            }
            if (requestsLeft < 1) {
                type = "requests";
                wait = minutes((1 - requestsLeft) / rpm);
                message = "Rate limit reached for " + modelId + " in organization org-fake on requests per min (RPM): "
                        + "Limit " + rpm + ", Used " + rpm + ", Requested 1. Please try again in " + goDuration(wait)
                        + ". Visit https://platform.openai.com/account/rate-limits to learn more.";
            } else if (tokens > tpm) {
                type = "tokens";
                wait = null; // it would never fit
                message = "Request too large for " + modelId + " in organization org-fake on tokens per min (TPM): "
                        + "Limit " + tpm + ", Requested " + tokens + ". The input or output tokens must be reduced in "
                        + "order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.";
            } else {
                type = "tokens";
                wait = minutes((tokens - tokensLeft) / tpm);
                message = "Rate limit reached for " + modelId + " in organization org-fake on tokens per min (TPM): "
                        + "Limit " + tpm + ", Used " + (tpm - (long) tokensLeft) + ", Requested " + tokens
                        + ". Please try again in " + goDuration(wait)
                        + ". Visit https://platform.openai.com/account/rate-limits to learn more.";
            }
        }
        Map<String, String> headers = quotaHeaders();
        if (wait != null) {
            headers.put("retry-after", String.valueOf((wait.toMillis() + 999) / 1000));
        }
        call.error(429, error(message, type, null, "rate_limit_exceeded"), headers);
        return true;
    }

    @Override
    protected void rateLimited(Call call, RateLimited fault) throws IOException {
        Duration wait = fault.retryAfter() != null ? fault.retryAfter() : Duration.ofMillis(200);
        Map<String, String> headers = quotaHeaders();
        headers.put("x-ratelimit-remaining-requests", "0");
        headers.put("x-ratelimit-reset-requests", goDuration(wait));
        if (fault.retryAfter() != null) {
            headers.put("retry-after", String.valueOf((wait.toMillis() + 999) / 1000));
        }
        call.error(429, error("Rate limit reached for text-embedding-3-small in organization org-fake on requests per "
                + "min (RPM): Limit " + rpm + ", Used " + rpm + ", Requested 1. Please try again in " + goDuration(wait)
                + ". Visit https://platform.openai.com/account/rate-limits to learn more.", "requests", null,
                "rate_limit_exceeded"), headers);
    }

    @Override
    protected void serverError(Call call, int status) throws IOException {
        if (status == 502 || status == 504) { // the edge's page, not OpenAI's JSON
            call.error(status, "text/html", "<html>\r\n<head><title>" + status + " Bad Gateway</title></head>\r\n<body>\r\n"
                    + "<center><h1>" + status + "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>",
                    Map.of());
            return;
        }
        String message = status == 503 ? "The engine is currently overloaded, please try again later."
                : "The server had an error while processing your request. Sorry about that!";
        call.error(status, error(message, "server_error", null, null), Map.of());
    }

    private void refuse(Call call, int status, String message, String type, String param, String code) throws IOException {
        call.error(status, error(message, type, param, code), quotaHeaders());
    }

    static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode error = JSON.createObjectNode().put("message", message).put("type", type).put("param", param)
                .put("code", code);
        ObjectNode body = JSON.createObjectNode();
        body.set("error", error);
        return body;
    }

    private Map<String, String> quotaHeaders() {
        synchronized (quotaLock) {
            refill();
            Map<String, String> h = new LinkedHashMap<>();
            h.put("x-ratelimit-limit-requests", String.valueOf(rpm));
            h.put("x-ratelimit-limit-tokens", String.valueOf(tpm));
            h.put("x-ratelimit-remaining-requests", String.valueOf((long) Math.floor(requestsLeft)));
            h.put("x-ratelimit-remaining-tokens", String.valueOf((long) Math.floor(tokensLeft)));
            h.put("x-ratelimit-reset-requests", goDuration(minutes((rpm - requestsLeft) / rpm)));
            h.put("x-ratelimit-reset-tokens", goDuration(minutes((tpm - tokensLeft) / tpm)));
            return h;
        }
    }

    private void refill() {
        long now = clock.getAsLong();
        double elapsed = (now - refilledAt) / 6e10;
        requestsLeft = Math.min(rpm, requestsLeft + rpm * elapsed);
        tokensLeft = Math.min(tpm, tokensLeft + tpm * elapsed);
        refilledAt = now;
    }

    private static Duration minutes(double m) {
        return Duration.ofNanos((long) Math.ceil(m * 6e10));
    }

    /** Go's time.Duration.String() to the millisecond, rounded up: "17ms", "1.5s", "6m0s", "1h0m0s". */
    static String goDuration(Duration d) {
        long ms = (d.toNanos() + 999_999) / 1_000_000;
        if (ms < 1000) {
            return ms + "ms";
        }
        long h = ms / 3_600_000;
        long m = ms % 3_600_000 / 60_000;
        String s = java.math.BigDecimal.valueOf(ms % 60_000, 3).stripTrailingZeros().toPlainString() + "s";
        return h > 0 ? h + "h" + m + "m" + s : m > 0 ? m + "m" + s : s;
    }

    /** OpenAI shows the key's start and end only. */
    private static String masked(String key) {
        return key.length() < 12 ? "sk-***" : key.substring(0, 7) + "*".repeat(key.length() - 11) + key.substring(key.length() - 4);
    }

    private static List<String> inputs(JsonNode input) {
        if (input.isTextual()) {
            return List.of(input.asText());
        }
        if (!input.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : input) {
            if (!n.isTextual()) {
                return null; // token arrays exist at OpenAI; the service never sends them
            }
            out.add(n.asText());
        }
        return out;
    }
}
