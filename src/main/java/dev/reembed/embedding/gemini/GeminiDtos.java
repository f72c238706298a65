package dev.reembed.embedding.gemini;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The JSON of batchEmbedContents. */
public final class GeminiDtos {

    private GeminiDtos() {
    }

    @RegisterForReflection
    public record BatchEmbedRequest(List<EmbedContentRequest> requests) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EmbedContentRequest(String model, Content content, String taskType, String title,
            Integer outputDimensionality) {
    }

    @RegisterForReflection
    public record Content(List<Part> parts) {
        public static Content of(String text) {
            return new Content(List.of(new Part(text)));
        }
    }

    @RegisterForReflection
    public record Part(String text) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BatchEmbedResponse(List<ContentEmbedding> embeddings) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ContentEmbedding(float[] values) { // primitive: 100 × 1536 values per answer, no boxing
    }
}
