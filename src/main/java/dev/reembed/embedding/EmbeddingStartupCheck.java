package dev.reembed.embedding;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import dev.reembed.common.ProblemException;
import io.quarkus.runtime.StartupEvent;

/**
 * At start-up: an impossible target (unknown model, a dimension the model cannot produce, more than
 * an HNSW index on the target storage holds, a storage that is not AUTO, VECTOR or HALFVEC) stops
 * the service with the reason. A provider that cannot
 * produce the target (e.g. the offline default {@code local} with target gemini-embedding-001) only
 * warns: migration and verification still work, and embedding calls fail with the same message via
 * {@link ModelRegistry#validateProvider}.
 */
@ApplicationScoped
public class EmbeddingStartupCheck {

    private static final Logger LOG = Logger.getLogger(EmbeddingStartupCheck.class);

    /** Where each key-based provider reads its API key from: its property and the variable it defaults to. */
    record ApiKey(String property, String variable) {
    }

    static final Map<String, ApiKey> API_KEYS = Map.of(
            EmbeddingConfig.GEMINI, new ApiKey("reembed.gemini.api-key", "GEMINI_API_KEY"),
            EmbeddingConfig.OPENAI, new ApiKey("reembed.openai.api-key", "OPENAI_API_KEY"),
            EmbeddingConfig.VOYAGE, new ApiKey("reembed.voyage.api-key", "VOYAGE_API_KEY"));

    private final ModelRegistry registry;
    private final TargetConfig target;
    private final EmbeddingConfig config;
    private final Config properties;

    /** @param properties the application's configuration, to look up the chosen provider's key */
    public EmbeddingStartupCheck(ModelRegistry registry, TargetConfig target, EmbeddingConfig config,
            Config properties) {
        this.registry = registry;
        this.target = target;
        this.config = config;
        this.properties = properties;
    }

    private volatile boolean checked;

    void onStart(@Observes StartupEvent event) {
        check();
    }

    /** Throws IllegalStateException for an invalid target; logs warnings for the rest (once). */
    public void check() {
        if (checked) {
            return;
        }
        VectorColumnType storage;
        try {
            storage = target.storageType();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        ModelSpec spec;
        try {
            spec = registry.validateTarget(target.model(), target.dimensions(), storage);
        } catch (ProblemException e) {
            throw new IllegalStateException("Invalid reembed.target.model=" + target.model()
                    + " / reembed.target.dimensions=" + target.dimensions() + " / reembed.target.storage=" + target.storage()
                    + " (" + storage + "): " + e.problem().detail, e);
        }
        if (!spec.servedBy(config.provider())) {
            // Only the providers that still serve it (text-embedding-004 is shut down on gemini).
            java.util.List<String> serving = spec.servedBy().stream().filter(spec::servedBy).toList();
            LOG.warnf("reembed.embedding.provider=%s cannot produce the target %s (%d d)%s: embedding calls will be "
                    + "refused. For the offline demo set reembed.target.model=all-minilm-l6-v2 and "
                    + "reembed.target.dimensions=384; for %s use reembed.embedding.provider=%s.",
                    config.provider(), spec.id(), target.dimensions(),
                    spec.shutDownOn(config.provider()).map(d -> ", which it shut down on " + d).orElse(""), spec.id(),
                    serving.isEmpty() ? "(none)" : String.join(" or ", serving));
        }
        ApiKey key = API_KEYS.get(config.provider());
        if (key != null && properties.getOptionalValue(key.property(), String.class).filter(k -> !k.isBlank()).isEmpty()) {
            LOG.warnf("reembed.embedding.provider=%s but no API key is set (%s or %s)", config.provider(),
                    key.variable(), key.property());
        }
        checked = true;
    }
}
