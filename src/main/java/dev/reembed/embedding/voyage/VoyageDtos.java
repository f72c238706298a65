package dev.reembed.embedding.voyage;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The JSON of {@code POST /v1/embeddings} (docs.voyageai.com/reference/embeddings-api). */
public final class VoyageDtos {

    private VoyageDtos() {
    }

    /**
     * @param inputType       "document" or "query" (Voyage prepends its own retrieval prompt for each)
     * @param outputDimension only for the models with flexible dimensions (256/512/1024/2048); null otherwise
     * @param truncation      true: a text over the context is cut by Voyage rather than failing the request
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EmbeddingRequest(List<String> input, String model, @JsonProperty("input_type") String inputType,
            @JsonProperty("output_dimension") Integer outputDimension, Boolean truncation) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EmbeddingResponse(List<Embedding> data, String model, Usage usage) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Embedding(float[] embedding, Integer index) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Usage(@JsonProperty("total_tokens") Long totalTokens) {
    }
}
