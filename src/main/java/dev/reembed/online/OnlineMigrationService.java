package dev.reembed.online;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.backfill.BackfillConfig;
import dev.reembed.backfill.RunRepository;
import dev.reembed.backfill.RunRow;
import dev.reembed.backfill.RunStatus;
import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingProviders;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.ModelSpec;
import dev.reembed.embedding.VectorColumnType;
import dev.reembed.schema.PgvectorVersion;
import dev.reembed.schema.SchemaCatalog;

/**
 * The online migration's operator actions: start, cutover, rollback, finalize, and its view. The
 * steps between (backfill, index, automatic cutover) are {@link OnlineMigrationDriver}'s. Every
 * refusal is checked before any schema change, so a refused request changes nothing.
 */
@ApplicationScoped
public class OnlineMigrationService {

    private static final Logger LOG = Logger.getLogger(OnlineMigrationService.class);
    static final PgvectorVersion HALFVEC_SINCE = PgvectorVersion.parse("0.7.0");
    private static final java.util.Set<OnlinePhase> BEFORE_CUTOVER = java.util.EnumSet.of(OnlinePhase.PREPARED,
            OnlinePhase.BACKFILLING, OnlinePhase.INDEXING, OnlinePhase.READY);

    private final OnlineMigrationRepository migrations;
    private final ShadowSchemaRepository shadow;
    private final EmbeddingLayout layout;
    private final RunRepository runs;
    private final SchemaCatalog catalog;
    private final ModelRegistry registry;
    private final EmbeddingConfig embedding;
    private final EmbeddingProviders providers;
    private final BackfillConfig backfill;
    private final OnlineConfig config;
    private final V3History v3;

    public OnlineMigrationService(OnlineMigrationRepository migrations, ShadowSchemaRepository shadow, EmbeddingLayout layout,
            RunRepository runs, SchemaCatalog catalog, ModelRegistry registry, EmbeddingConfig embedding,
            EmbeddingProviders providers, BackfillConfig backfill, OnlineConfig config, V3History v3) {
        this.migrations = migrations;
        this.shadow = shadow;
        this.layout = layout;
        this.runs = runs;
        this.catalog = catalog;
        this.registry = registry;
        this.embedding = embedding;
        this.providers = providers;
        this.backfill = backfill;
        this.config = config;
        this.v3 = v3;
    }

    public OnlineMigration start(OnlineMigrationRequest request) {
        if (request == null || request.model() == null || request.model().isBlank() || request.dimensions() == null) {
            throw ProblemException.badRequest("Give the target: {\"model\": \"gemini-embedding-001\", \"dimensions\": 3072}");
        }
        int dims = request.dimensions();
        VectorColumnType type;
        try {
            type = VectorColumnType.resolve(request.storage(), dims);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("storage must be VECTOR or HALFVEC (or absent: HALFVEC above "
                    + VectorColumnType.VECTOR.maxIndexedDimensions() + " dimensions), not '" + request.storage() + "'");
        }
        ModelSpec spec = registry.validateTarget(request.model().strip(), dims, type);
        registry.validateProvider(embedding.provider(), spec.id(), dims);
        int batchSize = bounded("batchSize", request.batchSize(), backfill.batchSize(), 1, 1000);
        int concurrency = bounded("concurrency", request.concurrency(), config.concurrency(), 1, 64);
        if (type == VectorColumnType.HALFVEC) {
            PgvectorVersion installed = catalog.pgvectorVersion().map(PgvectorVersion::parse).orElse(null);
            if (installed == null || installed.isBefore(HALFVEC_SINCE)) {
                throw ProblemException.conflict("halfvec needs pgvector " + HALFVEC_SINCE.text() + " or later; this database has "
                        + (installed == null ? "no pgvector" : installed.text()) + ". Upgrade pgvector, or use VECTOR at most "
                        + VectorColumnType.VECTOR.maxIndexedDimensions() + " dimensions.");
            }
        }
        migrations.open().ifPresent(m -> {
            throw new ProblemException(new Problem(409, "Conflict", "Online migration " + m.id() + " is open (" + m.phase()
                    + "): finalize or roll it back first").with("migrationId", m.id()));
        });
        runs.activeRun().ifPresent(r -> {
            throw new ProblemException(new Problem(409, "Conflict", "Backfill run " + r.id() + " is " + r.status()
                    + ": let it finish or cancel it first").with("activeRunId", r.id()));
        });
        OnlineMigrationRow.Side source = layout.live().orElseThrow(() -> ProblemException.conflict(
                "questions.embedding is not a vector column; apply the schema change first"));
        OnlineMigrationRow.Side target = new OnlineMigrationRow.Side(spec.id(), dims, type);
        if (source.equals(target)) {
            throw ProblemException.badRequest("questions.embedding already holds " + spec.id() + " at " + dims + " dimensions as "
                    + type.sqlName() + ": nothing to move");
        }
        providers.forModel(spec.id(), dims); // a missing key is a 503 now, not a paused run later
        boolean auto = Boolean.TRUE.equals(request.autoCutover());
        long id;
        try {
            id = LockRetry.run(config.lockRetries(), "Cannot add the shadow column",
                    attempt -> shadow.prepare(source, target, auto, batchSize, concurrency, config.lockTimeout()));
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("online_migrations_one_open")
                    || String.valueOf(e.getMessage()).contains("already exists")) {
                throw ProblemException.conflict("Another online migration was started meanwhile; see GET /api/migration/online");
            }
            throw e;
        }
        LOG.infof("Online migration %d prepared: %s@%d %s -> %s@%d %s", id, source.model(), source.dimensions(),
                source.type().sqlName(), target.model(), dims, type.sqlName());
        return view(migrations.latest().orElseThrow());
    }

    public OnlineMigration current() {
        return view(migrations.latest().orElseThrow(() -> ProblemException.notFound(
                "No online migration was ever started; POST /api/migration/online starts one")));
    }

    /**
     * The switch: rows changed since the backfill are embedded first (no lock held), then one short
     * transaction writes them and swaps the columns, under lock_timeout and retried.
     */
    public OnlineMigration cutover(boolean force) {
        OnlineMigrationRow m = requireOpen("cut over");
        if (m.phase() != OnlinePhase.READY || m.closing() != null) {
            throw ProblemException.conflict("The cutover needs phase READY; online migration " + m.id() + " is " + m.phase()
                    + (m.phase().ordinal() < OnlinePhase.READY.ordinal() ? ": wait until the shadow column is backfilled and indexed"
                            : ""));
        }
        RunRow run = m.backfillRunId() == null ? null : runs.findRun(m.backfillRunId()).orElse(null);
        if (run != null && run.status().active()) {
            throw ProblemException.conflict("Run " + run.id() + " is embedding rows changed since the backfill (" + run.status()
                    + "); cut over when it has completed");
        }
        if (run != null && run.failed() > 0 && !force) {
            throw ProblemException.conflict(run.failed() + " rows failed to embed for the shadow column; retry them (POST /api/backfills/"
                    + run.id() + "/retry) or cut over with force=true (they stay without a vector until the sweep)");
        }
        long stale = migrations.staleCount();
        if (stale > config.maxCutoverRows()) {
            long queued = run == null ? 0 : runs.reopenForChanges(run.id());
            throw ProblemException.conflict(stale + " rows changed since the backfill, more than reembed.online.max-cutover-rows ("
                    + config.maxCutoverRows() + "); " + (queued > 0 ? "run " + run.id() + " embeds them now; " : "")
                    + "cut over when it has completed");
        }
        List<ShadowSchemaRepository.TopUp> topUps = topUps(m);
        ShadowSchemaRepository.Swap swap = LockRetry.run(config.lockRetries(), "Cannot cut over",
                attempt -> shadow.cutover(m, topUps, attempt, config.lockTimeout(), v3.forCutover(m)));
        LOG.infof("Online migration %d cut over: the lock was held %d ms (waited %d ms)", m.id(), swap.lockMs(), swap.lockWaitMs());
        return view(migrations.latest().orElseThrow());
    }

    /** After the cutover: swap back (READY again). Before it: drop the shadow column (ROLLED_BACK). */
    public OnlineMigration rollback() {
        OnlineMigrationRow m = migrations.open().orElseThrow(() -> ProblemException.conflict(
                "No online migration is open to roll back" + migrations.latest().map(l -> ": the last one is " + l.phase()
                        + (l.phase() == OnlinePhase.FINALIZED ? " and its previous column is dropped" : "")).orElse("")));
        if (m.closing() != null) {
            throw ProblemException.conflict("Online migration " + m.id() + " is being " + ("FINALIZE".equals(m.closing())
                    ? "finalized" : "rolled back") + " already");
        }
        if (m.phase() == OnlinePhase.CUT_OVER) {
            ShadowSchemaRepository.Swap swap = LockRetry.run(config.lockRetries(), "Cannot swap back",
                    attempt -> shadow.swapBack(m, attempt, config.lockTimeout(), v3.forSwapBack(m)));
            LOG.infof("Online migration %d swapped back: the lock was held %d ms", m.id(), swap.lockMs());
            return view(migrations.latest().orElseThrow());
        }
        if (!migrations.beginClosing(m.id(), BEFORE_CUTOVER, "ROLLBACK")) {
            throw ProblemException.conflict("Online migration " + m.id() + " moved meanwhile; look again");
        }
        closeRollback(migrations.open().orElseThrow());
        return view(migrations.latest().orElseThrow());
    }

    public OnlineMigration finalizeMigration() {
        OnlineMigrationRow m = migrations.open().orElseThrow(() -> ProblemException.conflict(
                "No online migration is open to finalize" + migrations.latest().map(l -> ": the last one is " + l.phase()).orElse("")));
        if (m.phase() != OnlinePhase.CUT_OVER || m.closing() != null) {
            throw ProblemException.conflict("Finalize drops the previous column after the cutover; online migration " + m.id()
                    + " is " + m.phase() + (m.closing() != null ? " (closing)" : ""));
        }
        if (!migrations.beginClosing(m.id(), java.util.Set.of(OnlinePhase.CUT_OVER), "FINALIZE")) {
            throw ProblemException.conflict("Online migration " + m.id() + " moved meanwhile; look again");
        }
        closeFinalize(migrations.open().orElseThrow());
        return view(migrations.latest().orElseThrow());
    }

    /** Both closings are idempotent: the driver carries one on after a crash. */
    void closeRollback(OnlineMigrationRow m) {
        if (m.backfillRunId() != null) {
            runs.transition(m.backfillRunId(), List.copyOf(RunStatus.ACTIVE), RunStatus.CANCELLED, "online migration rolled back");
        }
        LockRetry.run(config.lockRetries(), "Cannot drop the shadow column", attempt -> {
            shadow.dropShadow(m, config.lockTimeout());
            return null;
        });
        LOG.infof("Online migration %d rolled back: the shadow column is dropped", m.id());
    }

    void closeFinalize(OnlineMigrationRow m) {
        LockRetry.run(config.lockRetries(), "Cannot drop the previous column", attempt -> {
            shadow.dropPrevious(m, config.lockTimeout());
            return null;
        });
        LOG.infof("Online migration %d finalized: the previous column is dropped", m.id());
    }

    private List<ShadowSchemaRepository.TopUp> topUps(OnlineMigrationRow m) {
        var rows = migrations.staleRows(config.maxCutoverRows());
        if (rows.isEmpty()) {
            return List.of();
        }
        var provider = providers.forModel(m.target().model(), m.target().dimensions());
        var vectors = provider.embedDocuments(rows.stream().map(r -> new DocumentText(r.title(), r.content())).toList()).vectors();
        List<ShadowSchemaRepository.TopUp> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            out.add(new ShadowSchemaRepository.TopUp(rows.get(i).id(), vectors.get(i), rows.get(i).contentHash()));
        }
        return out;
    }

    private OnlineMigrationRow requireOpen(String what) {
        return migrations.open().orElseThrow(() -> ProblemException.conflict("No online migration is open to " + what
                + "; POST /api/migration/online starts one"));
    }

    private static int bounded(String name, Integer value, int fallback, int min, int max) {
        int v = value == null ? fallback : value;
        if (v < min || v > max) {
            throw ProblemException.badRequest(name + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
    }

    OnlineMigration view(OnlineMigrationRow m) {
        OnlineMigration.Coverage coverage = null;
        if (m.phase().open() && m.swaps() % 2 == 0 && m.closing() == null) {
            var c = migrations.shadowCoverage();
            coverage = new OnlineMigration.Coverage(c.done(), c.total(), c.total() == 0 ? 100.0
                    : Math.round(10000.0 * c.done() / c.total()) / 100.0);
        }
        String state;
        Double progress = null;
        String buildPhase = null;
        if (m.indexBuiltAt() != null) {
            state = "BUILT";
            progress = 1.0;
        } else if (m.indexStartedAt() != null) {
            state = "BUILDING";
            var p = shadow.indexProgress();
            if (p.isPresent()) {
                buildPhase = p.get().phase();
                progress = p.get().total() > 0 ? Math.min(1.0, (double) p.get().done() / p.get().total()) : 0.0;
            }
        } else {
            state = "WAITING";
        }
        var index = new OnlineMigration.Index(state, progress, buildPhase, m.indexBuildMs() == null ? null : m.indexBuildMs() / 1000.0);
        var cutover = m.cutoverAt() == null ? null
                : new OnlineMigration.Cutover(m.cutoverAt(), m.cutoverLockMs(), m.cutoverLockWaitMs(), m.cutoverAttempts());
        var steps = migrations.steps(m.id()).stream().map(s -> new OnlineMigration.Step(s.phase(), s.at(), s.detail())).toList();
        return new OnlineMigration(m.id(), m.phase(), side(m.source()), side(m.target()), m.autoCutover(), m.backfillRunId(), coverage,
                index, cutover, m.swaps() % 2 == 1 ? "target" : "source", steps, m.closing(), m.lastError(), m.createdAt(),
                m.updatedAt());
    }

    private static OnlineMigration.Side side(OnlineMigrationRow.Side s) {
        return new OnlineMigration.Side(s.model(), s.dimensions(), s.type().name());
    }
}
