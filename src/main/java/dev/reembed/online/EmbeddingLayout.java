package dev.reembed.online;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.tenant.StoreTarget;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.VectorColumnType;
import dev.reembed.migration.MigrationConfig;
import dev.reembed.schema.MatchFunction;
import dev.reembed.schema.SchemaCatalog;

/**
 * Which model each vector column holds, the one place that decides it: during an online migration
 * its record says (by its swap count); after one, the last finalized migration's target while the
 * column still has its type; otherwise {@code reembed.target.*} (or the seed's source model for a
 * column still at the source dimension). Searches ask here which model to embed the query with and
 * which function to call.
 */
@ApplicationScoped
public class EmbeddingLayout {

    /** What a search embeds with and calls; {@code shadow} when the live model cannot be served and the shadow answers. */
    public record SearchPlan(String model, int dimensions, String function, Long migrationId, int swaps, boolean shadow,
            OnlineMigrationRepository.Coverage coverage, boolean liveServable) {
    }

    private final OnlineMigrationRepository migrations;
    private final SchemaCatalog catalog;
    private final StoreTarget target;
    private final MigrationConfig migration;
    private final ModelRegistry registry;
    private final EmbeddingConfig embedding;

    public EmbeddingLayout(OnlineMigrationRepository migrations, SchemaCatalog catalog, StoreTarget target,
            MigrationConfig migration, ModelRegistry registry, EmbeddingConfig embedding) {
        this.migrations = migrations;
        this.catalog = catalog;
        this.target = target;
        this.migration = migration;
        this.registry = registry;
        this.embedding = embedding;
    }

    /** The model, dimension and type questions.embedding holds now; empty when the column is not a vector column. */
    public Optional<OnlineMigrationRow.Side> live() {
        var open = migrations.open();
        if (open.isPresent()) {
            return Optional.of(open.get().live());
        }
        return liveWithoutMigration();
    }

    Optional<OnlineMigrationRow.Side> liveWithoutMigration() {
        var column = catalog.embeddingColumn().filter(c -> c.storage() != null);
        if (column.isEmpty()) {
            return Optional.empty();
        }
        int dims = column.get().dimensions();
        VectorColumnType type = column.get().storage();
        var finalized = migrations.lastFinalized().map(OnlineMigrationRow::target)
                .filter(t -> t.dimensions() == dims && t.type() == type);
        if (finalized.isPresent()) {
            return finalized;
        }
        String model = dims == target.dimensions() ? target.model()
                : dims == migration.sourceDimensions() ? migration.sourceModel() : target.model();
        return Optional.of(new OnlineMigrationRow.Side(model, dims, type));
    }

    /**
     * What questions.embedding should hold: the open migration's live side; else the last finalized
     * migration's target while the column still has its type; else the configured target (which a
     * column still at the source does not hold yet: the column guard and verification say so).
     */
    public OnlineMigrationRow.Side expectedLive() {
        var open = migrations.open();
        if (open.isPresent()) {
            return open.get().live();
        }
        var column = catalog.embeddingColumn().filter(c -> c.storage() != null);
        return migrations.lastFinalized().map(OnlineMigrationRow::target).filter(t -> column.isPresent()
                && t.dimensions() == column.get().dimensions() && t.type() == column.get().storage())
                .orElseGet(() -> new OnlineMigrationRow.Side(target.model(), target.dimensions(),
                        target.storageType()));
    }

    /** What the shadow column embedding_next holds while an open migration has one (before its cutover). */
    public Optional<OnlineMigrationRow.Side> shadow() {
        return migrations.open().filter(m -> m.swaps() % 2 == 0 && m.closing() == null && m.phase() != OnlinePhase.CUT_OVER)
                .map(OnlineMigrationRow::target);
    }

    /** What a search (or a duplicate check) embeds with and which function it calls. */
    public SearchPlan searchPlan() {
        var open = migrations.open();
        if (open.isEmpty()) {
            OnlineMigrationRow.Side live = expectedLive();
            return new SearchPlan(live.model(), live.dimensions(), MatchFunction.NAME, null, 0, false, null, servable(live.model()));
        }
        OnlineMigrationRow m = open.get();
        OnlineMigrationRow.Side live = m.live();
        boolean servable = servable(live.model());
        if (!servable && m.swaps() % 2 == 0 && m.closing() == null) {
            // The source model is gone (text-embedding-004): the shadow answers with what it has so far.
            return new SearchPlan(m.target().model(), m.target().dimensions(), MatchFunction.SHADOW_NAME, m.id(), m.swaps(), true,
                    migrations.shadowCoverage(), false);
        }
        return new SearchPlan(live.model(), live.dimensions(), MatchFunction.NAME, m.id(), m.swaps(), false, null, servable);
    }

    /** False when the registry says the configured vendor shut the model down. */
    public boolean servable(String model) {
        return registry.find(model).map(s -> s.shutDownOn(embedding.provider()).isEmpty()).orElse(true);
    }
}
