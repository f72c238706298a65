package dev.reembed.embedding;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.reembed.common.ProblemException;
import dev.reembed.embedding.gemini.GeminiConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * At start-up: an impossible target (unknown model, a dimension the model cannot produce, more than
 * an HNSW index on {@code vector} holds) stops the service with the reason. A provider that cannot
 * produce the target (e.g. the offline default {@code local} with target gemini-embedding-001) only
 * warns: migration and verification still work, and embedding calls fail with the same message via
 * {@link ModelRegistry#validateProvider}.
 */
@ApplicationScoped
public class EmbeddingStartupCheck {

    private static final Logger LOG = Logger.getLogger(EmbeddingStartupCheck.class);

    private final ModelRegistry registry;
    private final TargetConfig target;
    private final EmbeddingConfig config;
    private final GeminiConfig gemini;

    public EmbeddingStartupCheck(ModelRegistry registry, TargetConfig target, EmbeddingConfig config,
            GeminiConfig gemini) {
        this.registry = registry;
        this.target = target;
        this.config = config;
        this.gemini = gemini;
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
        ModelSpec spec;
        try {
            spec = registry.validateTarget(target.model(), target.dimensions());
        } catch (ProblemException e) {
            throw new IllegalStateException("Invalid reembed.target.model=" + target.model()
                    + " / reembed.target.dimensions=" + target.dimensions() + ": " + e.problem().detail, e);
        }
        if (!spec.servedBy(config.provider())) {
            LOG.warnf("reembed.embedding.provider=%s cannot produce the target %s (%d d): embedding calls will be "
                    + "refused. For the offline demo set reembed.target.model=all-minilm-l6-v2 and "
                    + "reembed.target.dimensions=384; for %s use reembed.embedding.provider=%s.",
                    config.provider(), spec.id(), target.dimensions(), spec.id(),
                    spec.servedBy().isEmpty() ? "(none)" : String.join(" or ", spec.servedBy()));
        }
        if (EmbeddingConfig.GEMINI.equals(config.provider()) && gemini.apiKey().filter(k -> !k.isBlank()).isEmpty()) {
            LOG.warn("reembed.embedding.provider=gemini but no API key is set (GEMINI_API_KEY or reembed.gemini.api-key)");
        }
        checked = true;
    }
}
