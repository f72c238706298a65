package dev.reembed.migration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * Start-up's share of a halfvec target: Quarkus migrates before StartupEvent, up to the highest
 * 2.x only ({@link FlywaySetup}); when {@code reembed.migration.start-target} asks for V3 (latest,
 * or 3 and above), the schema change is made here as V3 would have made it at start. Replicas
 * starting together make it once: {@link EmbeddingChange} checks that V3 is not recorded inside
 * the migration lock. A failure stops the start, as a failed V3 does.
 */
@ApplicationScoped
public class EmbeddingChangeAtStart {

    private static final Logger LOG = Logger.getLogger(EmbeddingChangeAtStart.class);

    private final EmbeddingChange change;
    private final MigrationConfig config;
    private final boolean migrateAtStart;

    public EmbeddingChangeAtStart(EmbeddingChange change, MigrationConfig config,
            @ConfigProperty(name = "quarkus.flyway.migrate-at-start", defaultValue = "false") boolean migrateAtStart) {
        this.change = change;
        this.config = config;
        this.migrateAtStart = migrateAtStart;
    }

    void onStart(@Observes StartupEvent event) {
        if (!migrateAtStart || !change.runsInsteadOfV3() || !FlywaySetup.startTargetIncludesV3(config.startTarget())) {
            return;
        }
        EmbeddingChange.Outcome outcome = change.applyIfPending();
        if (outcome.ran()) {
            LOG.infof("Embedding schema change made at start-up as halfvec (V3 recorded in Flyway's history, not run by Flyway)");
        }
    }
}
