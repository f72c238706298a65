package dev.reembed.embedding.openai;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The JSON of {@code POST /v1/embeddings} (developers.openai.com/api/reference/resources/embeddings). */
public final class OpenAiDtos {

    private OpenAiDtos() {
    }

    /**
     * @param dimensions     only for text-embedding-3 and later: ada-002 refuses the field (HTTP 400), so null there
     * @param encodingFormat always "float" (the default; base64 would need decoding)
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EmbeddingRequest(List<String> input, String model, Integer dimensions,
            @JsonProperty("encoding_format") String encodingFormat) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EmbeddingResponse(List<Embedding> data, String model, Usage usage) {
    }

    /** {@code index} is the input's position: the API promises it, not the array order. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Embedding(Integer index, float[] embedding) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Usage(@JsonProperty("prompt_tokens") Long promptTokens,
            @JsonProperty("total_tokens") Long totalTokens) {
    }
}
