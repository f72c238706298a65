package dev.reembed.backfill;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.backfill.SearchIndexRepository.BuildOutcome;
import dev.reembed.migration.MigrationConfig;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.PgvectorVersion;
import dev.reembed.schema.SchemaCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The HNSW index during a run. Every vector written into an indexed column is inserted into the
 * graph, one row at a time, which made a 100k-row backfill ~10× slower than without the index; one
 * build over the filled column, with the memory to hold the graph, is far cheaper (docs/BENCHMARKS.md).
 * So a large run drops {@code idx_questions_embedding} when it starts and builds it before it
 * completes; searches meanwhile are exact scans. The state lives on the run row (V2.3), so that a
 * crash, cancel or restart in between still ends with the index built.
 */
@ApplicationScoped
public class SearchIndex {

    private static final Logger LOG = Logger.getLogger(SearchIndex.class);

    private final SearchIndexRepository repository;
    private final SchemaCatalog catalog;
    private final BackfillConfig.Index config;
    private final HnswIndex hnsw;
    private final Timer builds;
    private volatile Statement building;
    /** max_parallel_maintenance_workers of a build, from the pgvector version: read once, at the first build. */
    private volatile Integer workers;

    public SearchIndex(SearchIndexRepository repository, SchemaCatalog catalog, BackfillConfig config, MigrationConfig migration,
            MeterRegistry meters) {
        this.repository = repository;
        this.catalog = catalog;
        this.config = config.index();
        this.hnsw = new HnswIndex(migration.hnsw().m(), migration.hnsw().efConstruction());
        this.builds = Timer.builder("reembed.backfill.index.build").description("CREATE INDEX of the search index after a run")
                .register(meters);
    }

    /** Whether a run dropped the index and it is not back yet. */
    boolean pending() {
        return repository.indexPending();
    }

    /** Whether a run of this strategy and size drops the index. */
    boolean drops(IndexStrategy strategy, long rows) {
        return switch (strategy) {
            case KEEP -> false;
            case REBUILD -> true;
            case AUTO -> rows >= config.rebuildThreshold();
        };
    }

    /** When a run starts (on every replica that takes it up; idempotent): drop the index if the run's strategy says so. */
    void beforeRun(RunRow run) {
        if (run.indexDroppedAt() != null || !drops(run.indexStrategy(), run.total())) {
            return;
        }
        try {
            repository.dropSearchIndexFor(run.id());
        } catch (RuntimeException e) {
            // E.g. the service's role does not own questions (a schema changed outside reembed): the
            // run goes on with the index in place, slower, rather than not at all.
            repository.keepSearchIndexFor(run.id());
            LOG.warnf("Backfill run %d: cannot drop the search index (%s); the run writes with it in place", run.id(),
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            return;
        }
        LOG.infof("Backfill run %d: search index idx_questions_embedding dropped for the run (%d rows, strategy %s); it is built "
                + "again before the run completes, searches are exact scans until then", run.id(), run.total(), run.indexStrategy());
    }

    /**
     * Builds the index that runs dropped. Returns false when another replica (or worker) is
     * building it: the caller waits and looks again.
     */
    boolean build() {
        int workers = parallelWorkers();
        long started = System.nanoTime();
        BuildOutcome outcome = repository.buildSearchIndex(hnsw, config.maintenanceWorkMem(), workers,
                st -> {
                    building = st;
                    if (st != null) { // the lock is ours and the build starts now
                        LOG.infof("Building search index idx_questions_embedding (hnsw m %d, ef_construction %d, "
                                + "maintenance_work_mem %s, %d parallel workers)", hnsw.m(), hnsw.efConstruction(),
                                config.maintenanceWorkMem(), workers);
                    }
                });
        long nanos = System.nanoTime() - started;
        switch (outcome) {
            case BUILT -> {
                builds.record(Duration.ofNanos(nanos));
                LOG.infof("Search index idx_questions_embedding built in %.1f s", nanos / 1e9);
            }
            case FOUND -> LOG.info("Search index idx_questions_embedding is there already");
            case NOT_NOW -> LOG.debug("Another session is building the search index");
        }
        return outcome != BuildOutcome.NOT_NOW;
    }

    /** The configured workers where the pgvector version builds in parallel safely ({@link PgvectorVersion#hnswBuildWorkers}). */
    private int parallelWorkers() {
        if (workers == null) {
            workers = catalog.pgvectorVersion().map(v -> PgvectorVersion.parse(v).hnswBuildWorkers(config.parallelWorkers())).orElse(0);
        }
        return workers;
    }

    /** Shutdown: a build in progress is cancelled (it leaves an invalid index, which the next build replaces). */
    void cancel() {
        Statement st = building;
        if (st != null) {
            try {
                st.cancel();
                LOG.warn("Search index build cancelled by shutdown; it starts again when the service does");
            } catch (SQLException e) {
                LOG.warnf("Cannot cancel the search index build: %s", e.getMessage());
            }
        }
    }
}
