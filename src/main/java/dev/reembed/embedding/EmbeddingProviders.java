package dev.reembed.embedding;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.reembed.embedding.gemini.GeminiClients;
import dev.reembed.embedding.gemini.GeminiConfig;
import dev.reembed.embedding.gemini.GeminiEmbeddingProvider;
import dev.reembed.embedding.google.GoogleErrors;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.call.RestClients;
import dev.reembed.embedding.call.VendorErrors;
import dev.reembed.embedding.local.LocalEmbeddingProvider;
import dev.reembed.embedding.openai.OpenAiClient;
import dev.reembed.embedding.openai.OpenAiConfig;
import dev.reembed.embedding.openai.OpenAiEmbeddingProvider;
import dev.reembed.embedding.openai.OpenAiErrors;
import dev.reembed.embedding.vertex.AdcAccessTokens;
import dev.reembed.embedding.vertex.VertexClients;
import dev.reembed.embedding.vertex.VertexConfig;
import dev.reembed.embedding.vertex.VertexEmbeddingProvider;
import dev.reembed.embedding.voyage.VoyageClient;
import dev.reembed.embedding.voyage.VoyageConfig;
import dev.reembed.embedding.voyage.VoyageEmbeddingProvider;
import dev.reembed.embedding.voyage.VoyageErrors;

/** Picks the {@link EmbeddingProvider} named by {@code reembed.embedding.provider}. */
@ApplicationScoped
public class EmbeddingProviders {

    private final EmbeddingConfig config;
    private final TargetConfig target;
    private final GeminiConfig gemini;
    private final VertexConfig vertex;
    private final ModelRegistry registry;

    private final MeterRegistry meters;
    private final Instance<ProviderCallListener> listeners;

    public EmbeddingProviders(EmbeddingConfig config, TargetConfig target, GeminiConfig gemini, VertexConfig vertex,
            ModelRegistry registry, MeterRegistry meters, Instance<ProviderCallListener> listeners) {
        this.meters = meters;
        this.listeners = listeners;
        this.config = config;
        this.target = target;
        this.gemini = gemini;
        this.vertex = vertex;
        this.registry = registry;
    }

    /** One per process: every worker draws from the same per-minute budgets. */
    @Produces
    @Singleton
    EmbeddingRateLimiter rateLimiter() {
        // Waits are measured (reembed_limiter_wait_seconds): how much the client-side quota holds workers back.
        Timer waits = Timer.builder("reembed.limiter.wait").description("Time workers waited for the client-side rate limiter")
                .register(meters);
        Sleeper measured = d -> {
            waits.record(d);
            Sleeper.SYSTEM.sleep(d);
        };
        EmbeddingRateLimiter limiter = new EmbeddingRateLimiter(config.requestsPerMinute(), config.tokensPerMinute(),
                Math.max(config.requestsPerMinute(), config.maxRequestsPerMinute()),
                Math.max(config.tokensPerMinute(), config.maxTokensPerMinute()), config.adaptive(),
                TimeMeter.SYSTEM_NANOTIME, measured);
        Gauge.builder("reembed.limiter.requests.per.minute", limiter, EmbeddingRateLimiter::currentRequestsPerMinute)
                .description("The client-side request rate now (adaptive: found from the provider's answers)")
                .register(meters);
        Gauge.builder("reembed.limiter.tokens.per.minute", limiter, EmbeddingRateLimiter::currentTokensPerMinute)
                .description("The client-side token rate now").register(meters);
        return limiter;
    }

    @Produces
    @ApplicationScoped
    EmbeddingProvider provider(EmbeddingRateLimiter limiter) {
        EmbeddingProvider provider = switch (config.provider()) {
            case EmbeddingConfig.LOCAL -> new LocalEmbeddingProvider();
            case EmbeddingConfig.GEMINI -> gemini(limiter);
            case EmbeddingConfig.VERTEX_AI -> vertex(limiter);
            case EmbeddingConfig.OPENAI -> openai(limiter);
            case EmbeddingConfig.VOYAGE -> voyage(limiter);
            default -> throw new IllegalStateException("reembed.embedding.provider must be " + EmbeddingConfig.PROVIDERS);
        };
        return new MeteredEmbeddingProvider(provider, meters);
    }

    private GeminiEmbeddingProvider gemini(EmbeddingRateLimiter limiter) {
        String key = gemini.apiKey().filter(k -> !k.isBlank()).orElseThrow(() -> new EmbeddingException(
                EmbeddingException.Code.UNAUTHENTICATED,
                "reembed.embedding.provider=gemini needs an API key: set GEMINI_API_KEY or reembed.gemini.api-key"));
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.GEMINI, target.model(), target.dimensions());
        return new GeminiEmbeddingProvider(
                GeminiClients.create(gemini.baseUrl(), gemini.connectTimeout(), gemini.readTimeout()),
                key, spec.id(), target.dimensions(), RequestCaps.of(spec, gemini.batchSize()), inputLimit(spec), caller(limiter, new GoogleErrors(), key));
    }

    private VertexEmbeddingProvider vertex(EmbeddingRateLimiter limiter) {
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.VERTEX_AI, target.model(), target.dimensions());
        String project = vertex.project().filter(p -> !p.isBlank()).orElseThrow(() -> new EmbeddingException(
                EmbeddingException.Code.UNAUTHENTICATED,
                "reembed.embedding.provider=vertex-ai needs reembed.vertex.project (or GOOGLE_CLOUD_PROJECT)"));
        return new VertexEmbeddingProvider(
                VertexClients.create(vertex.baseUrl().orElse("https://" + vertex.location() + "-aiplatform.googleapis.com/v1"),
                        vertex.connectTimeout(), vertex.readTimeout()),
                new AdcAccessTokens(), project, vertex.location(), spec.id(), target.dimensions(),
                vertex.autoTruncate(), inputLimit(spec), caller(limiter, new GoogleErrors(), null));
    }

    // Field-injected so each provider's config sits by its factory: providers are added independently.
    @Inject
    OpenAiConfig openAiConfig;

    private OpenAiEmbeddingProvider openai(EmbeddingRateLimiter limiter) {
        String key = openAiConfig.apiKey().filter(k -> !k.isBlank()).orElseThrow(() -> new EmbeddingException(
                EmbeddingException.Code.UNAUTHENTICATED,
                "reembed.embedding.provider=openai needs an API key: set OPENAI_API_KEY or reembed.openai.api-key"));
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.OPENAI, target.model(), target.dimensions());
        return new OpenAiEmbeddingProvider(
                RestClients.create(OpenAiClient.class, openAiConfig.baseUrl(), openAiConfig.connectTimeout(),
                        openAiConfig.readTimeout()),
                key, spec, target.dimensions(), openAiConfig.batchSize(), inputLimit(spec),
                caller(limiter, new OpenAiErrors(), key));
    }

    @Inject
    VoyageConfig voyageConfig;

    private VoyageEmbeddingProvider voyage(EmbeddingRateLimiter limiter) {
        String key = voyageConfig.apiKey().filter(k -> !k.isBlank()).orElseThrow(() -> new EmbeddingException(
                EmbeddingException.Code.UNAUTHENTICATED,
                "reembed.embedding.provider=voyage needs an API key: set VOYAGE_API_KEY or reembed.voyage.api-key"));
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.VOYAGE, target.model(), target.dimensions());
        return new VoyageEmbeddingProvider(
                RestClients.create(VoyageClient.class, voyageConfig.baseUrl(), voyageConfig.connectTimeout(),
                        voyageConfig.readTimeout()),
                key, spec, target.dimensions(), voyageConfig.batchSize(), inputLimit(spec),
                caller(limiter, new VoyageErrors(), key));
    }

    private InputLimit inputLimit(ModelSpec spec) {
        return new InputLimit(spec.maxInputTokens() == null ? Long.MAX_VALUE : spec.maxInputTokens(),
                config.oversizedInput());
    }

    private ProviderCaller caller(EmbeddingRateLimiter limiter, VendorErrors errors, String secret) {
        Counter rateLimited = Counter.builder("reembed.provider.rate.limited")
                .description("429 answers from the provider (per-minute and per-day quotas)").register(meters);
        List<ProviderCallListener> others = listeners.stream().toList();
        return new ProviderCaller(limiter, Sleeper.SYSTEM, config.maxRetries(), config.initialBackoff(),
                config.maxBackoff(), config.maxRetryDelay(), null, errors, secret, outcome -> {
                    if (outcome == ProviderCallListener.Outcome.RATE_LIMITED) {
                        rateLimited.increment();
                    }
                    others.forEach(l -> l.called(outcome));
                });
    }
}
