package dev.reembed.embedding;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One embedding model of the registry ({@code embedding-models.json}; docs/providers.md says where
 * each figure comes from).
 *
 * @param provider                   who publishes the model (openai, voyage, amazon, cohere, google, local)
 * @param id                         the model id as the serving API spells it
 * @param version                    the publisher's version label
 * @param defaultDimensions          output dimensions when none is asked for
 * @param minDimensions              smallest output dimensionality the API accepts
 * @param maxDimensions              largest output dimensionality the API accepts
 * @param reducible                  whether the API accepts an output dimensionality other than the default
 * @param allowedDimensions          the only dimensionalities the API accepts, when it takes a fixed set
 *                                   (Titan: 256/512/1024); empty = any in [min, max]
 * @param maxInputTokens             input limit per text, {@code null} when not known
 * @param maxItemsPerRequest         texts one API request may carry, {@code null} when unbounded
 * @param maxTokensPerRequest        tokens summed over one request's texts, {@code null} when unbounded
 * @param pricePerMillionTokens      USD per 1M input tokens
 * @param batchPricePerMillionTokens USD per 1M input tokens in the vendor's batch mode, {@code null} without one
 * @param kind                       text, code or multimodal
 * @param servedBy                   the values of {@code reembed.embedding.provider} that can produce it
 * @param aliases                    other ids accepted for it (earlier spellings of this registry)
 * @param shutDown                   provider ({@code reembed.embedding.provider} value) → the day it stopped serving the model
 * @param sources                    the vendor pages the figures come from
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
        List<Integer> allowedDimensions,
        Integer maxInputTokens,
        Integer maxItemsPerRequest,
        Long maxTokensPerRequest,
        BigDecimal pricePerMillionTokens,
        BigDecimal batchPricePerMillionTokens,
        String kind,
        List<String> servedBy,
        List<String> aliases,
        Map<String, LocalDate> shutDown,
        List<String> sources) {

    public ModelSpec {
        allowedDimensions = allowedDimensions == null ? List.of() : List.copyOf(allowedDimensions);
        servedBy = servedBy == null ? List.of() : List.copyOf(servedBy);
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        shutDown = shutDown == null ? Map.of() : Map.copyOf(shutDown);
        sources = sources == null ? List.of() : List.copyOf(sources);
    }

    public boolean accepts(int dimensions) {
        return dimensions >= minDimensions && dimensions <= maxDimensions
                && (allowedDimensions.isEmpty() || allowedDimensions.contains(dimensions));
    }

    /** Whether {@code embeddingProvider} produces it today (it lists it and has not shut it down). */
    public boolean servedBy(String embeddingProvider) {
        return servedBy.contains(embeddingProvider) && shutDownOn(embeddingProvider).isEmpty();
    }

    /** The day {@code embeddingProvider} stopped serving it, when it did. */
    public Optional<LocalDate> shutDownOn(String embeddingProvider) {
        return Optional.ofNullable(shutDown.get(embeddingProvider));
    }

    public boolean answersTo(String name) {
        return id.equalsIgnoreCase(name) || aliases.stream().anyMatch(a -> a.equalsIgnoreCase(name));
    }
}
