package dev.reembed.embedding;

import java.math.BigDecimal;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One embedding model of the registry ({@code embedding-models.json}).
 *
 * @param provider              who publishes the model (openai, google, local, ...)
 * @param id                    the model id as the provider's API spells it
 * @param version               the publisher's version label
 * @param defaultDimensions     output dimensions when none is asked for
 * @param minDimensions         smallest output dimensionality the API accepts
 * @param maxDimensions         largest output dimensionality the API accepts
 * @param reducible             whether the API accepts an output dimensionality other than the default
 * @param maxInputTokens        input limit per text, {@code null} when not known
 * @param pricePerMillionTokens USD per 1M input tokens
 * @param kind                  text, code or multimodal
 * @param servedBy              the values of {@code reembed.embedding.provider} that can produce it
 */
@RegisterForReflection
public record ModelSpec(
        String provider,
        String id,
        String version,
        int defaultDimensions,
        int minDimensions,
        int maxDimensions,
        boolean reducible,
        Integer maxInputTokens,
        BigDecimal pricePerMillionTokens,
        String kind,
        List<String> servedBy) {

    public ModelSpec {
        servedBy = servedBy == null ? List.of() : List.copyOf(servedBy);
    }

    public boolean accepts(int dimensions) {
        return dimensions >= minDimensions && dimensions <= maxDimensions;
    }

    public boolean servedBy(String embeddingProvider) {
        return servedBy.contains(embeddingProvider);
    }
}
