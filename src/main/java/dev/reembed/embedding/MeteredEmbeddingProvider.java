package dev.reembed.embedding;

import java.util.List;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The provider with its calls measured ({@code reembed_provider_requests_seconds}, a histogram
 * by provider, kind and outcome). A decorator, so every caller — backfill, application path,
 * verification — is measured the same way.
 */
final class MeteredEmbeddingProvider implements EmbeddingProvider {

    private final EmbeddingProvider delegate;
    private final MeterRegistry registry;

    MeteredEmbeddingProvider(EmbeddingProvider delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
    }

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        return timed("documents", () -> delegate.embedDocuments(documents));
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        return timed("queries", () -> delegate.embedQueries(queries));
    }

    @Override
    public String model() {
        return delegate.model();
    }

    @Override
    public int dimensions() {
        return delegate.dimensions();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int maxItemsPerRequest() {
        return delegate.maxItemsPerRequest();
    }

    @Override
    public long requestsFor(long rows, int batchSize) {
        return delegate.requestsFor(rows, batchSize);
    }

    @Override
    public void close() {
        delegate.close();
    }

    private EmbeddingBatch timed(String kind, Supplier<EmbeddingBatch> call) {
        Timer.Sample sample = Timer.start(registry);
        String outcome = "success";
        try {
            return call.get();
        } catch (EmbeddingException e) {
            outcome = e.code().name();
            throw e;
        } catch (RuntimeException e) {
            outcome = "error";
            throw e;
        } finally {
            sample.stop(Timer.builder("reembed.provider.requests")
                    .description("Embedding calls to the provider (all retries of one call included)")
                    .tags("provider", delegate.name(), "kind", kind, "outcome", outcome)
                    .publishPercentileHistogram()
                    .register(registry));
        }
    }
}
