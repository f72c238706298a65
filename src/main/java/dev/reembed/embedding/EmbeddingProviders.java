package dev.reembed.embedding;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.annotation.PreDestroy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.inject.Singleton;

import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import dev.reembed.embedding.bedrock.BedrockClients;
import dev.reembed.embedding.bedrock.BedrockConfig;
import dev.reembed.embedding.bedrock.BedrockEmbeddingProvider;
import dev.reembed.embedding.bedrock.BedrockErrors;
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
    private final OpenAiConfig openAiConfig;
    private final VoyageConfig voyageConfig;
    private final BedrockConfig bedrock;
    private final ModelRegistry registry;

    private final MeterRegistry meters;
    private final Instance<ProviderCallListener> listeners;
    private final Instance<EmbeddingRateLimiter> limiterOf;
    private final Map<String, EmbeddingProvider> others = new ConcurrentHashMap<>();

    public EmbeddingProviders(EmbeddingConfig config, TargetConfig target, GeminiConfig gemini, VertexConfig vertex,
            OpenAiConfig openAiConfig, VoyageConfig voyageConfig, BedrockConfig bedrock, ModelRegistry registry,
            MeterRegistry meters, Instance<ProviderCallListener> listeners, Instance<EmbeddingRateLimiter> limiterOf) {
        this.limiterOf = limiterOf;
        this.openAiConfig = openAiConfig;
        this.voyageConfig = voyageConfig;
        this.bedrock = bedrock;
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
        if (EmbeddingConfig.LOCAL.equals(config.provider())) {
            // The offline default serves its one model whatever the target: the start-up check warns about it.
            return new MeteredEmbeddingProvider(new LocalEmbeddingProvider(), meters);
        }
        return build(target.model(), target.dimensions(), limiter);
    }

    /**
     * The configured vendor's provider for another model or dimension than {@code reembed.target.*}:
     * an online migration embeds its shadow column with its target and its live column with its
     * source. One per (model, dimensions), built on first use and closed at shutdown; all draw from
     * the one rate limiter.
     *
     * @throws dev.reembed.common.ProblemException 400 when the vendor cannot produce it
     */
    public EmbeddingProvider forModel(String model, int dimensions) {
        return others.computeIfAbsent(model + "@" + dimensions, k -> build(model, dimensions, limiterOf.get()));
    }

    private EmbeddingProvider build(String model, int dimensions, EmbeddingRateLimiter limiter) {
        EmbeddingProvider provider = switch (config.provider()) {
            case EmbeddingConfig.LOCAL -> local(model, dimensions);
            case EmbeddingConfig.GEMINI -> gemini(limiter, model, dimensions);
            case EmbeddingConfig.VERTEX_AI -> vertex(limiter, model, dimensions);
            case EmbeddingConfig.OPENAI -> openai(limiter, model, dimensions);
            case EmbeddingConfig.VOYAGE -> voyage(limiter, model, dimensions);
            case EmbeddingConfig.BEDROCK -> bedrock(limiter, model, dimensions);
            default -> throw new IllegalStateException("reembed.embedding.provider must be " + EmbeddingConfig.PROVIDERS);
        };
        return new MeteredEmbeddingProvider(provider, meters);
    }

    /** At shutdown (and each restart of a dev or test application): the Bedrock pool and SDK client. */
    void close(@Disposes EmbeddingProvider provider) {
        provider.close();
    }

    @PreDestroy
    void closeOthers() {
        others.values().forEach(EmbeddingProvider::close);
        others.clear();
    }

    private EmbeddingProvider local(String model, int dimensions) {
        LocalEmbeddingProvider local = new LocalEmbeddingProvider();
        if (!local.model().equals(model) || local.dimensions() != dimensions) {
            registry.validateProvider(EmbeddingConfig.LOCAL, model, dimensions); // says what the local provider serves
            throw dev.reembed.common.ProblemException.badRequest("The local provider produces only " + local.model() + " at "
                    + local.dimensions() + " dimensions");
        }
        return local;
    }

    private GeminiEmbeddingProvider gemini(EmbeddingRateLimiter limiter, String model, int dimensions) {
        String key = requireKey(gemini.apiKey(), EmbeddingConfig.GEMINI);
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.GEMINI, model, dimensions);
        return new GeminiEmbeddingProvider(
                GeminiClients.create(gemini.baseUrl(), gemini.connectTimeout(), gemini.readTimeout()),
                key, spec.id(), dimensions, RequestCaps.of(spec, gemini.batchSize()), inputLimit(spec), caller(limiter, new GoogleErrors(), key));
    }

    private VertexEmbeddingProvider vertex(EmbeddingRateLimiter limiter, String model, int dimensions) {
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.VERTEX_AI, model, dimensions);
        String project = vertex.project().filter(p -> !p.isBlank()).orElseThrow(() -> new EmbeddingException(
                EmbeddingException.Code.UNAUTHENTICATED,
                "reembed.embedding.provider=vertex-ai needs reembed.vertex.project (or GOOGLE_CLOUD_PROJECT)"));
        return new VertexEmbeddingProvider(
                VertexClients.create(vertex.baseUrl().orElse("https://" + vertex.location() + "-aiplatform.googleapis.com/v1"),
                        vertex.connectTimeout(), vertex.readTimeout()),
                new AdcAccessTokens(), project, vertex.location(), spec.id(), dimensions,
                vertex.autoTruncate(), inputLimit(spec), caller(limiter, new GoogleErrors(), null));
    }

    private OpenAiEmbeddingProvider openai(EmbeddingRateLimiter limiter, String model, int dimensions) {
        String key = requireKey(openAiConfig.apiKey(), EmbeddingConfig.OPENAI);
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.OPENAI, model, dimensions);
        return new OpenAiEmbeddingProvider(
                RestClients.create(OpenAiClient.class, openAiConfig.baseUrl(), openAiConfig.connectTimeout(),
                        openAiConfig.readTimeout()),
                key, spec, dimensions, openAiConfig.batchSize(), inputLimit(spec),
                caller(limiter, new OpenAiErrors(), key));
    }

    private VoyageEmbeddingProvider voyage(EmbeddingRateLimiter limiter, String model, int dimensions) {
        String key = requireKey(voyageConfig.apiKey(), EmbeddingConfig.VOYAGE);
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.VOYAGE, model, dimensions);
        return new VoyageEmbeddingProvider(
                RestClients.create(VoyageClient.class, voyageConfig.baseUrl(), voyageConfig.connectTimeout(),
                        voyageConfig.readTimeout()),
                key, spec, dimensions, voyageConfig.batchSize(), inputLimit(spec),
                caller(limiter, new VoyageErrors(), key));
    }

    /**
     * Credentials are found by the AWS SDK's chain on the first call (so the service starts without
     * them); a call without any fails UNAUTHENTICATED naming AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
     */
    private BedrockEmbeddingProvider bedrock(EmbeddingRateLimiter limiter, String model, int dimensions) {
        ModelSpec spec = registry.validateProvider(EmbeddingConfig.BEDROCK, model, dimensions);
        BedrockRuntimeClient client = BedrockClients.create(bedrock); // refuses a bad region or endpoint with what to set
        String region = client.serviceClientConfiguration().region().id();
        return new BedrockEmbeddingProvider(client, spec, dimensions, inputLimit(spec),
                !"reject".equals(config.oversizedInput()), bedrock.concurrency(),
                caller(limiter, new BedrockErrors(spec.id(), region), bedrock.secretAccessKey().orElse(null)));
    }

    /** A key that must be set, or UNAUTHENTICATED naming where to set it (the request answers 503 with it). */
    private static String requireKey(java.util.Optional<String> key, String provider) {
        EmbeddingStartupCheck.ApiKey where = EmbeddingStartupCheck.API_KEYS.get(provider);
        // Stripped: a key read from a secret file often ends in a newline, which an HTTP header refuses.
        return key.map(String::strip).filter(k -> !k.isEmpty()).orElseThrow(() -> new EmbeddingException(EmbeddingException.Code.UNAUTHENTICATED,
                "reembed.embedding.provider=" + provider + " needs an API key: set " + where.variable() + " or " + where.property()));
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
