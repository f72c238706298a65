package dev.reembed.online;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.backfill.ActiveRunExists;
import dev.reembed.backfill.IndexStrategy;
import dev.reembed.backfill.RunRepository;
import dev.reembed.backfill.RunRow;
import dev.reembed.backfill.RunStatus;
import dev.reembed.backfill.Scope;
import dev.reembed.backfill.VectorColumn;
import dev.reembed.common.Check;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.migration.MigrationConfig;
import dev.reembed.schema.HnswIndex;
import dev.reembed.verification.VerificationReport;
import dev.reembed.verification.VerificationService;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;

/**
 * Moves the open online migration along on every replica: PREPARED → BACKFILLING (a run on the
 * shadow column) → INDEXING (CREATE INDEX CONCURRENTLY) → READY (kept current; cut over when asked,
 * or at once with autoCutover). One replica at a time holds the driver's advisory lock; each step
 * is idempotent and recorded, so a replica killed at any point leaves a state the next poll (here
 * or on another replica) carries on from.
 */
@ApplicationScoped
public class OnlineMigrationDriver {

    private static final Logger LOG = Logger.getLogger(OnlineMigrationDriver.class);
    /** pg_try_advisory_lock key of the driver ("reembed4"). */
    static final long DRIVER_LOCK = 0x7265656d62656434L;

    private final AgroalDataSource dataSource;
    private final OnlineMigrationRepository migrations;
    private final ShadowSchemaRepository shadow;
    private final OnlineMigrationService service;
    private final RunRepository runs;
    private final ModelRegistry registry;
    private final EmbeddingLayout layout;
    private final OnlineConfig config;
    private final HnswIndex hnsw;
    private final VerificationService verification;
    /** The migration and run state autoCutover last verified (this replica). */
    private volatile String verifiedState;

    public OnlineMigrationDriver(AgroalDataSource dataSource, OnlineMigrationRepository migrations, ShadowSchemaRepository shadow,
            OnlineMigrationService service, RunRepository runs, ModelRegistry registry, EmbeddingLayout layout,
            OnlineConfig config, MigrationConfig migration, VerificationService verification) {
        this.verification = verification;
        this.layout = layout;
        this.dataSource = dataSource;
        this.migrations = migrations;
        this.shadow = shadow;
        this.service = service;
        this.runs = runs;
        this.registry = registry;
        this.config = config;
        this.hnsw = new HnswIndex(migration.hnsw().m(), migration.hnsw().efConstruction());
    }

    @Scheduled(every = "${reembed.online.poll-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("select pg_try_advisory_lock(" + DRIVER_LOCK + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return; // another replica drives
                }
            }
            try {
                migrations.open().ifPresent(this::step);
            } finally {
                st.execute("select pg_advisory_unlock(" + DRIVER_LOCK + ")");
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Online migration driver: %s (tried again at the next poll)", e.getMessage());
        }
    }

    /** One step of {@code m}; public for tests that drive it without the scheduler's timing. */
    public void step(OnlineMigrationRow m) {
        try {
            if ("ROLLBACK".equals(m.closing())) {
                service.closeRollback(m);
                return;
            }
            if ("FINALIZE".equals(m.closing())) {
                service.closeFinalize(m);
                return;
            }
            switch (m.phase()) {
                case PREPARED -> startBackfill(m);
                case BACKFILLING -> afterBackfill(m);
                case INDEXING -> buildIndex(m);
                case READY -> keepCurrent(m);
                case CUT_OVER -> keepLiveCurrent(m);
                default -> {
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Online migration %d (%s): %s", m.id(), m.phase(), e.getMessage());
            migrations.noteError(m.id(), e.getMessage());
        }
    }

    private void startBackfill(OnlineMigrationRow m) {
        Long runId = migrations.runOf(m.id()).orElse(null); // made before a crash, not yet recorded
        if (runId == null) {
            try {
                var spec = registry.find(m.target().model()).orElseThrow();
                RunRow run = runs.createRun(m.target().model(), m.target().dimensions(), Scope.STALE, m.batchSize(), m.concurrency(),
                        spec.pricePerMillionTokens(), "online-migration", IndexStrategy.KEEP, VectorColumn.NEXT, m.id());
                runId = run.id();
            } catch (ActiveRunExists e) {
                migrations.noteError(m.id(), "Waiting for backfill run " + e.activeRunId + " to end before the shadow column's run");
                return;
            }
        }
        if (migrations.recordRun(m.id(), runId)) {
            LOG.infof("Online migration %d: backfilling the shadow column (run %d)", m.id(), runId);
        }
    }

    private void afterBackfill(OnlineMigrationRow m) {
        RunRow run = runs.findRun(m.backfillRunId()).orElseThrow();
        if (run.status() == RunStatus.COMPLETED) {
            migrations.advance(m.id(), OnlinePhase.BACKFILLING, OnlinePhase.INDEXING, run.failed() > 0
                    ? run.failed() + " rows failed (see GET /api/backfills/" + run.id() + "/failures)" : null);
        } else if (run.status() == RunStatus.FAILED || run.status() == RunStatus.CANCELLED) {
            migrations.noteError(m.id(), "Backfill run " + run.id() + " is " + run.status()
                    + ": retry its failures (POST /api/backfills/" + run.id() + "/retry) or roll the migration back");
        }
    }

    private void buildIndex(OnlineMigrationRow m) {
        if (m.indexStartedAt() == null) {
            migrations.indexStarted(m.id());
        }
        var built = shadow.buildShadowIndex(hnsw, m.target(), config.maintenanceWorkMem());
        if (built.isPresent()) {
            runs.analyzeQuestions();
            String notes = built.get().notices().isEmpty() ? null : String.join("; ", built.get().notices());
            migrations.indexBuilt(m.id(), built.get().ms(), notes);
            LOG.infof("Online migration %d: shadow index built in %.1f s; READY", m.id(), built.get().ms() / 1000.0);
        }
    }

    /**
     * While a migration is open the service's own backfills of the live column wait (and after the
     * cutover reembed.target.* may not name its model yet), so the migration keeps the live column
     * current itself: rows created or edited since get a run of the live model, when it can be served.
     */
    private void keepLiveCurrent(OnlineMigrationRow m) {
        OnlineMigrationRow.Side live = m.live();
        if (!layout.servable(live.model()) || runs.activeRun().isPresent() || migrations.liveStaleCount(live.model()) == 0) {
            return;
        }
        try {
            var spec = registry.find(live.model()).orElseThrow();
            RunRow run = runs.createRun(live.model(), live.dimensions(), Scope.STALE, m.batchSize(), m.concurrency(),
                    spec.pricePerMillionTokens(), "online-migration", IndexStrategy.KEEP, VectorColumn.EMBEDDING, m.id());
            LOG.infof("Online migration %d: run %d embeds %d rows of the live column", m.id(), run.id(), run.total());
        } catch (ActiveRunExists e) {
            // another replica or an operator started one meanwhile
        }
    }

    /** READY: rows created or edited since go back to the run; with autoCutover, the switch once all is current. */
    private void keepCurrent(OnlineMigrationRow m) {
        RunRow run = runs.findRun(m.backfillRunId()).orElseThrow();
        if (run.status() == RunStatus.COMPLETED) {
            try {
                if (runs.reopenForChanges(run.id()) == 0) {
                    keepLiveCurrent(m);
                }
            } catch (ActiveRunExists e) {
                return; // a run of the live column is on; the shadow's turn comes after it
            }
        }
        RunRow now = runs.findRun(run.id()).orElseThrow();
        if (m.autoCutover() && now.status() == RunStatus.COMPLETED && now.failed() == 0) {
            autoCutover(m, now);
        }
    }

    /**
     * autoCutover switches only when the shadow column's verification passes. Verification scans
     * and searches the table, so it runs once per state of the run (not every poll): a FAIL holds the
     * migration READY with the failed checks in lastError until rows change or an operator cuts over.
     */
    private void autoCutover(OnlineMigrationRow m, RunRow run) {
        String state = m.id() + ":" + m.swaps() + ":" + run.generation(); // each re-opening of the run is a new generation
        if (state.equals(verifiedState)) {
            return;
        }
        VerificationReport report = verification.verify(new VerificationService.Options(null, 0, null, null, null, true));
        verifiedState = state;
        if (report.status() == Check.Status.FAIL) {
            String failed = report.checks().stream().filter(Check::failed).map(c -> c.name() + ": " + c.detail())
                    .collect(Collectors.joining("; "));
            migrations.noteError(m.id(), "autoCutover holds: GET /api/verification?column=next FAILs (" + failed
                    + "); cut over with POST /api/migration/online/cutover, or it is verified again when rows change");
            LOG.warnf("Online migration %d: autoCutover holds, the shadow column's verification failed: %s", m.id(), failed);
            return;
        }
        service.cutover(false);
    }
}
