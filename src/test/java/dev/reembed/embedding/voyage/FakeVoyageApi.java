package dev.reembed.embedding.voyage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.reembed.testing.fake.FakeHttpApi;
import dev.reembed.testing.fake.FakeVectors;

/**
 * A fake of Voyage AI's {@code POST /v1/embeddings} that checks what Voyage checks and refuses as it
 * does, with its {@code {"detail": "..."}} bodies: the Bearer key (401), a known model, 1..1000 texts,
 * no empty text, {@code input_type} null/query/document, {@code output_dimension} 256/512/1024/2048 on
 * the flexible models and none other than the default on the fixed ones, the model's tokens per request
 * (120K/320K/1M, after truncation to its context), a text over the context with {@code truncation:false}
 * (400). The model table is Voyage's own (docs.voyageai.com/reference/embeddings-api,
 * docs.voyageai.com/docs/embeddings), not the service's registry, so a wrong registry entry shows.
 *
 * <p>Answers carry unit vectors that depend on the text, the model and the input_type (Voyage
 * prepends a different prompt for each), in order with their {@code index}, and {@code usage.total_tokens}.
 * No rate-limit headers: Voyage documents none.
 */
public class FakeVoyageApi extends FakeHttpApi {

    public static final String KEY = "pa-FAKEvoyage0123456789abcdefghijklmnopqr";
    static final int MAX_TEXTS = 1000;
    static final Set<Integer> FLEXIBLE_DIMENSIONS = Set.of(256, 512, 1024, 2048);

    /** @param flexible whether output_dimension may be 256/512/1024/2048 */
    record Model(int defaultDimensions, boolean flexible, long maxTokensPerRequest, long context) {
    }

    static final Map<String, Model> MODELS = Map.ofEntries(
            Map.entry("voyage-4-large", new Model(1024, true, 120_000, 32_000)),
            Map.entry("voyage-4", new Model(1024, true, 320_000, 32_000)),
            Map.entry("voyage-4-lite", new Model(1024, true, 1_000_000, 32_000)),
            Map.entry("voyage-3-large", new Model(1024, true, 120_000, 32_000)),
            Map.entry("voyage-3.5", new Model(1024, true, 320_000, 32_000)),
            Map.entry("voyage-3.5-lite", new Model(1024, true, 1_000_000, 32_000)),
            Map.entry("voyage-code-3", new Model(1024, true, 120_000, 32_000)),
            Map.entry("voyage-finance-2", new Model(1024, false, 120_000, 32_000)),
            Map.entry("voyage-law-2", new Model(1024, false, 120_000, 16_000)),
            Map.entry("voyage-code-2", new Model(1536, false, 120_000, 16_000)),
            Map.entry("voyage-large-2", new Model(1536, false, 120_000, 16_000)),
            Map.entry("voyage-2", new Model(1024, false, 320_000, 4_000)));

    public FakeVoyageApi() throws IOException {
        super("/v1");
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("reembed.embedding.provider", "voyage", "reembed.voyage.base-url", baseUrl(),
                "reembed.voyage.api-key", KEY, "reembed.target.model", "voyage-4", "reembed.target.dimensions", "1024");
    }

    @Override
    protected void answer(Call call, Fault fault) throws IOException {
        if (!"POST".equals(call.method()) || !"/embeddings".equals(call.path())) {
            refuse(call, 404, "Not Found");
            return;
        }
        String auth = call.header("Authorization");
        if (auth == null || !auth.equals("Bearer " + KEY)) {
            refuse(call, 401, "Provided API key is invalid.");
            return;
        }
        if (call.body == null) {
            refuse(call, 400, "The request body is not valid JSON.");
            return;
        }
        String modelId = call.body.path("model").asText("");
        Model model = MODELS.get(modelId);
        if (model == null) {
            refuse(call, 400, "Model " + modelId + " is not supported. Please see https://docs.voyageai.com/docs/embeddings "
                    + "for the supported models.");
            return;
        }
        List<String> texts = inputs(call.body.path("input"));
        if (texts == null || texts.isEmpty()) {
            refuse(call, 400, "Input should be a string or a list of strings.");
            return;
        }
        if (texts.size() > MAX_TEXTS) {
            refuse(call, 400, "The batch size limit is " + MAX_TEXTS + ". Your batch size is " + texts.size() + ".");
            return;
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) {
                refuse(call, 400, "Input text at index " + i + " is empty; empty strings are not allowed.");
                return;
            }
            if (texts.get(i).contains(INVALID_MARKER)) {
                refuse(call, 400, "Input text at index " + i + " could not be processed.");
                return;
            }
        }
        JsonNode inputType = call.body.path("input_type");
        if (!inputType.isMissingNode() && !inputType.isNull()
                && !Set.of("query", "document").contains(inputType.asText())) {
            refuse(call, 400, "input_type should be None, 'query', or 'document'.");
            return;
        }
        int dims = model.defaultDimensions();
        JsonNode dimension = call.body.path("output_dimension");
        if (!dimension.isMissingNode() && !dimension.isNull()) {
            boolean allowed = model.flexible() ? dimension.isInt() && FLEXIBLE_DIMENSIONS.contains(dimension.asInt())
                    : dimension.isInt() && dimension.asInt() == model.defaultDimensions();
            if (!allowed) {
                refuse(call, 400, "Model " + modelId + " does not support output_dimension=" + dimension + ". Supported: "
                        + (model.flexible() ? "256, 512, 1024, 2048" : String.valueOf(model.defaultDimensions())) + ".");
                return;
            }
            dims = dimension.asInt();
        }
        boolean truncation = call.body.path("truncation").asBoolean(true);
        long total = 0;
        for (String t : texts) {
            long n = tokens(t);
            if (n > model.context() && !truncation) {
                refuse(call, 400, "Request to model '" + modelId + "' failed. An input text has " + n + " tokens, "
                        + "more than the context length of " + model.context() + ". Please lower the number of "
                        + "tokens in the text or set truncation to true.");
                return;
            }
            total += Math.min(n, model.context());
        }
        if (total > model.maxTokensPerRequest()) {
            refuse(call, 400, "Request to model '" + modelId + "' failed. The max allowed tokens per submitted batch is "
                    + model.maxTokensPerRequest() + ". Your batch has " + total + " tokens after truncation. Please "
                    + "lower the number of tokens in the batch.");
            return;
        }
        ok(call, modelId, texts, inputType.isTextual() ? inputType.asText() : "none", dims, total, fault);
    }

    private static void ok(Call call, String modelId, List<String> texts, String inputType, int dims, long total,
            Fault fault) throws IOException {
        int n = fault instanceof WrongDimension w ? w.dimensions() : dims;
        int count = fault instanceof MissingEmbedding ? texts.size() - 1 : texts.size();
        ArrayNode data = JSON.createArrayNode();
        for (int i = 0; i < count; i++) {
            ArrayNode values = JSON.createArrayNode();
            for (float x : FakeVectors.unit(texts.get(i), n, modelId + "|" + inputType)) {
                values.add(x);
            }
            ObjectNode item = JSON.createObjectNode().put("object", "embedding");
            item.set("embedding", values);
            item.put("index", i);
            data.add(item);
        }
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        body.set("data", data);
        body.put("model", modelId);
        body.set("usage", JSON.createObjectNode().put("total_tokens", total));
        call.ok(body, Map.of(), texts);
    }

    @Override
    protected void rateLimited(Call call, RateLimited fault) throws IOException {
        Map<String, String> headers = fault.retryAfter() == null ? Map.of()
                : Map.of("retry-after", String.valueOf((fault.retryAfter().toMillis() + 999) / 1000));
        call.error(429, detail("You have exceeded the rate limit of your organization (requests or tokens per "
                + "minute). Please pace your requests; see https://docs.voyageai.com/docs/rate-limits."), headers);
    }

    @Override
    protected void serverError(Call call, int status) throws IOException {
        if (status == 502 || status == 504) { // a gateway's page, not Voyage's JSON
            call.error(status, "text/html", "<html><head><title>" + status + " Bad Gateway</title></head><body>"
                    + "<h1>" + status + " Bad Gateway</h1></body></html>", Map.of());
            return;
        }
        call.error(status, detail(status == 503 ? "Service Unavailable" : "Internal Server Error"), Map.of());
    }

    private static void refuse(Call call, int status, String message) throws IOException {
        call.error(status, detail(message), Map.of());
    }

    static ObjectNode detail(String message) {
        return JSON.createObjectNode().put("detail", message);
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
                return null;
            }
            out.add(n.asText());
        }
        return out;
    }
}
