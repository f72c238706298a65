package dev.reembed.embedding.bedrock;

import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.reembed.testing.fake.FakeVectors;
import dev.reembed.testing.fake.ProviderFake;

/**
 * The model side of {@link FakeBedrockApi}: each model's body checks and answers. Bedrock validates a
 * model's body against the model's JSON schema, and its ValidationException messages read like these
 * ("Malformed input request: #/dimensions: ... is not a valid enum value, please reformat your input and try again.").
 */
final class FakeBedrockModels {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> INPUT_TYPES = Set.of("search_document", "search_query", "classification", "clustering");
    private static final String INVALID_MARKER = ProviderFake.INVALID_MARKER;

    private FakeBedrockModels() {
    }

    /** The fake's token count, about 4 characters a token (AWS's rule of thumb), deliberately not reembed's estimate. */
    static int tokens(String text) {
        return Math.max(1, (text.length() + 3) / 4);
    }

    static String checkTitan(JsonNode body) {
        JsonNode text = body.get("inputText");
        if (text == null || !text.isTextual()) {
            return "Malformed input request: #: required key [inputText] not found, please reformat your input and try again.";
        }
        if (text.asText().isEmpty()) {
            return "Malformed input request: #/inputText: expected minLength: 1, actual: 0, please reformat your input and try again.";
        }
        int dims = body.path("dimensions").asInt(1024);
        if (dims != 256 && dims != 512 && dims != 1024) {
            return "Malformed input request: #/dimensions: " + dims + " is not a valid enum value, please reformat your input and try again.";
        }
        if (tokens(text.asText()) > 8192) {
            return "Too many input tokens. Max input tokens: 8192, request input token count: " + tokens(text.asText()) + " ";
        }
        return text.asText().contains(INVALID_MARKER) ? "The provided inputText could not be processed." : null;
    }

    static String checkCohere(JsonNode body) {
        JsonNode texts = body.get("texts");
        if (texts == null || !texts.isArray()) {
            return "Malformed input request: #: required key [texts] not found, please reformat your input and try again.";
        }
        if (texts.isEmpty() || texts.size() > 96) {
            return "Malformed input request: #/texts: expected " + (texts.isEmpty() ? "minItems: 1, actual: 0"
                    : "maxItems: 96, actual: " + texts.size()) + ", please reformat your input and try again.";
        }
        JsonNode type = body.get("input_type");
        if (type == null || !INPUT_TYPES.contains(type.asText())) {
            return type == null ? "Malformed input request: #: required key [input_type] not found, please reformat your input and try again."
                    : "Malformed input request: #/input_type: " + type.asText() + " is not a valid enum value, please reformat your input and try again.";
        }
        String truncate = body.path("truncate").asText("NONE");
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i).asText();
            if (t.length() > 2048) {
                return "Malformed input request: #/texts/" + i + ": expected maxLength: 2048, actual: " + t.length()
                        + ", please reformat your input and try again.";
            }
            if ("NONE".equals(truncate) && tokens(t) > 512) {
                return "Input is too long for requested model.";
            }
            if (t.contains(INVALID_MARKER)) {
                return "The provided texts could not be processed.";
            }
        }
        return null;
    }

    /** {"embedding", "inputTextTokenCount", "embeddingsByType"}; unit length when normalize (the default). */
    static JsonNode titanAnswer(JsonNode body) {
        String text = body.get("inputText").asText();
        int dims = body.path("dimensions").asInt(1024);
        float[] v = body.path("normalize").asBoolean(true) ? FakeVectors.unit(text, dims, "titan") : FakeVectors.of(text, dims, "titan");
        ObjectNode answer = JSON.createObjectNode();
        answer.set("embedding", array(v));
        answer.put("inputTextTokenCount", tokens(text));
        answer.putObject("embeddingsByType").set("float", array(v));
        return answer;
    }

    /** {"id", "texts", "embeddings", "response_type"}: embeddings_floats, or embeddings_by_type {"float": [...]}. */
    static JsonNode cohereAnswer(JsonNode body, boolean byType) {
        String type = body.get("input_type").asText();
        ArrayNode vectors = JSON.createArrayNode();
        body.get("texts").forEach(t -> vectors.add(array(FakeVectors.of(t.asText(), 1024, type))));
        ObjectNode answer = JSON.createObjectNode().put("id", UUID.randomUUID().toString());
        answer.set("texts", body.get("texts"));
        if (byType || body.has("embedding_types")) {
            answer.putObject("embeddings").set("float", vectors);
            answer.put("response_type", "embeddings_by_type");
        } else {
            answer.set("embeddings", vectors);
            answer.put("response_type", "embeddings_floats");
        }
        return answer;
    }

    private static ArrayNode array(float[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (float x : v) {
            a.add(x);
        }
        return a;
    }
}
