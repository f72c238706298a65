package dev.reembed.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.reembed.common.ProblemException;

/**
 * The embedding models this service knows (data: {@code embedding-models.json}, from seed 000
 * with the facts of the real APIs where the seed is wrong; see docs/providers.md). Validates a
 * target model + dimension before anything is embedded or the schema is changed.
 */
@ApplicationScoped
public class ModelRegistry {

    static final String RESOURCE = "embedding-models.json";

    private final List<ModelSpec> models;

    public ModelRegistry() {
        this(load());
    }

    ModelRegistry(List<ModelSpec> models) {
        this.models = List.copyOf(models);
    }

    /** Loads the bundled registry; plain Jackson so the class works outside CDI (unit tests, tools). */
    static List<ModelSpec> load() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + RESOURCE);
            }
            return new ObjectMapper().registerModule(new JavaTimeModule()).readValue(in, new TypeReference<List<ModelSpec>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }

    public List<ModelSpec> all() {
        return models;
    }

    public Optional<ModelSpec> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        String wanted = id.strip();
        // Accept the Gemini API's resource form "models/<id>" too.
        String bare = wanted.startsWith("models/") ? wanted.substring("models/".length()) : wanted;
        return models.stream().filter(m -> m.answersTo(bare)).findFirst();
    }

    /** {@link #validateTarget(String, int, VectorColumnType)} for the plain {@code vector} column the schema uses. */
    public ModelSpec validateTarget(String model, int dimensions) {
        return validateTarget(model, dimensions, VectorColumnType.VECTOR);
    }

    /**
     * Checks that {@code model} is known, produces {@code dimensions}, and that an HNSW index on a
     * {@code columnType} column can hold that many.
     *
     * @return the model's spec
     * @throws ProblemException 400 with a detail naming the problem and a way out
     */
    public ModelSpec validateTarget(String model, int dimensions, VectorColumnType columnType) {
        if (model == null || model.isBlank()) {
            throw ProblemException.badRequest("No target model given. Known models: " + knownIds() + ".");
        }
        ModelSpec spec = find(model).orElseThrow(() -> ProblemException.badRequest(
                "Unknown embedding model '" + model + "'. Known models: " + knownIds() + "."));
        if (!spec.reducible() && dimensions != spec.defaultDimensions()) {
            throw ProblemException.badRequest(String.format(
                    "%s has a fixed output dimension of %d; it cannot produce %d-dimensional vectors. "
                            + "Use dimensions=%d or a model that accepts a reduced dimensionality.",
                    spec.id(), spec.defaultDimensions(), dimensions, spec.defaultDimensions()));
        }
        if (!spec.accepts(dimensions)) {
            throw ProblemException.badRequest(spec.allowedDimensions().isEmpty()
                    ? String.format("%s accepts output dimensions from %d to %d; %d is out of range.",
                            spec.id(), spec.minDimensions(), spec.maxDimensions(), dimensions)
                    : String.format("%s produces only %s dimensions; %d is not one of them.", spec.id(),
                            spec.allowedDimensions(), dimensions));
        }
        if (dimensions > columnType.maxIndexedDimensions()) {
            String hint = columnType == VectorColumnType.VECTOR
                    ? String.format(" Store the vectors as halfvec (HNSW indexes halfvec up to %d dimensions) "
                            + "or choose at most %d dimensions.", VectorColumnType.HALFVEC.maxIndexedDimensions(),
                            columnType.maxIndexedDimensions())
                    : String.format(" Choose at most %d dimensions.", columnType.maxIndexedDimensions());
            throw ProblemException.badRequest(String.format(
                    "%d dimensions is more than pgvector's HNSW index supports on a %s column (at most %d).%s",
                    dimensions, columnType.sqlName(), columnType.maxIndexedDimensions(), hint));
        }
        return spec;
    }

    /**
     * Checks that the configured embedding provider ({@code reembed.embedding.provider}) can produce
     * {@code model} at {@code dimensions}: callers that are about to embed (backfill, question
     * writes) use it after {@link #validateTarget}.
     *
     * @throws ProblemException 400 naming the provider that would serve the model
     */
    public ModelSpec validateProvider(String embeddingProvider, String model, int dimensions) {
        // The model's side only: what a column can index is checked where a column is made (the
        // schema change, the online migration), and halfvec holds what vector cannot.
        ModelSpec spec = validateTarget(model, dimensions, VectorColumnType.HALFVEC);
        if (spec.shutDownOn(embeddingProvider).isPresent()) {
            List<String> others = spec.servedBy().stream().filter(spec::servedBy).toList();
            throw ProblemException.badRequest(String.format(
                    "%s was shut down on the provider '%s' on %s: it embeds nothing any more. %s",
                    spec.id(), embeddingProvider, spec.shutDownOn(embeddingProvider).get(), others.isEmpty()
                            ? "Move to a current model (for example gemini-embedding-001)."
                            : "Move to a current model, or set reembed.embedding.provider to one of " + others + "."));
        }
        if (!spec.servedBy(embeddingProvider)) {
            String served = models.stream().filter(m -> m.servedBy(embeddingProvider)).map(ModelSpec::id)
                    .collect(Collectors.joining(", "));
            String alternatives = spec.servedBy().isEmpty()
                    ? "no provider of this service serves it"
                    : "set reembed.embedding.provider to one of " + spec.servedBy();
            throw ProblemException.badRequest(String.format(
                    "The embedding provider '%s' cannot produce %s (it serves: %s); %s.",
                    embeddingProvider, spec.id(), served.isEmpty() ? "nothing" : served, alternatives));
        }
        return spec;
    }

    private String knownIds() {
        return models.stream().map(ModelSpec::id).sorted(Comparator.naturalOrder()).collect(Collectors.joining(", "));
    }
}
