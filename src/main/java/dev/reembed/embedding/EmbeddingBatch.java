package dev.reembed.embedding;

import java.util.List;

/**
 * Vectors in input order (each L2-normalised) and the input tokens the batch used: counted by the
 * provider where its API reports them (Vertex AI), otherwise estimated (see {@link TokenEstimator}).
 */
public record EmbeddingBatch(List<float[]> vectors, long inputTokens) {

    public EmbeddingBatch {
        vectors = List.copyOf(vectors);
    }

    public int size() {
        return vectors.size();
    }
}
