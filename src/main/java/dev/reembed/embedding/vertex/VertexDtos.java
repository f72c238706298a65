package dev.reembed.embedding.vertex;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The JSON of Vertex AI's text-embedding :predict. */
public final class VertexDtos {

    private VertexDtos() {
    }

    @RegisterForReflection
    public record PredictRequest(List<Instance> instances, Parameters parameters) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Instance(String content, @JsonProperty("task_type") String taskType, String title) {
    }

    @RegisterForReflection
    public record Parameters(Integer outputDimensionality, boolean autoTruncate) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PredictResponse(List<Prediction> predictions) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Prediction(Embeddings embeddings) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Embeddings(List<Float> values, Statistics statistics) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Statistics(@JsonProperty("token_count") Long tokenCount, Boolean truncated) {
    }
}
