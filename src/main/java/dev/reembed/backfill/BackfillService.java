package dev.reembed.backfill;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.tenant.StoreTarget;
import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.ModelSpec;
import dev.reembed.schema.SchemaCatalog;

/** Backfill runs: start (validated against the registry, the provider and the schema), control, progress. */
@ApplicationScoped
public class BackfillService {

    private static final Logger LOG = Logger.getLogger(BackfillService.class);
    static final Scope DEFAULT_SCOPE = Scope.STALE;

    private final RunRepository runs;
    private final LeaseRepository leases;
    private final ScopeRepository scopes;
    private final SchemaCatalog schema;
    private final ModelRegistry registry;
    private final EmbeddingProvider provider;
    private final StoreTarget target;
    private final BackfillConfig config;
    private final ProgressTracker progress;
    private final EmbeddingRateLimiter limiter;
    private final EmbeddingConfig embedding;

    public BackfillService(RunRepository runs, LeaseRepository leases, ScopeRepository scopes, SchemaCatalog schema,
            ModelRegistry registry,
            EmbeddingProvider provider, StoreTarget target, BackfillConfig config, ProgressTracker progress,
            EmbeddingRateLimiter limiter, EmbeddingConfig embedding) {
        this.limiter = limiter;
        this.embedding = embedding;
        this.runs = runs;
        this.leases = leases;
        this.scopes = scopes;
        this.schema = schema;
        this.registry = registry;
        this.provider = provider;
        this.target = target;
        this.config = config;
        this.progress = progress;
    }

    public Run start(BackfillRequest request, String trigger) {
        BackfillRequest r = request == null ? new BackfillRequest(null, null, null, null, null, null) : request;
        String model = r.model() == null ? target.model() : r.model().strip();
        int dims = r.dimensions() == null ? target.dimensions() : r.dimensions();
        ModelSpec spec = registry.validateProvider(provider.name(), model, dims);
        if (!provider.model().equalsIgnoreCase(spec.id()) || provider.dimensions() != dims) {
            throw ProblemException.badRequest(String.format(
                    "This service embeds with %s at %d dimensions (reembed.target.model / reembed.target.dimensions); "
                            + "a run for %s at %d dimensions needs the service configured for it.",
                    provider.model(), provider.dimensions(), spec.id(), dims));
        }
        schema.requireEmbeddingColumn(dims, provider.model());
        schema.requireNoOnlineMigration("A backfill of questions.embedding");
        Scope scope = r.scope() == null ? DEFAULT_SCOPE : r.scope();
        int batchSize = r.batchSize() == null ? config.batchSize() : r.batchSize();
        int concurrency = r.concurrency() == null ? config.concurrency() : r.concurrency();
        try {
            IndexStrategy index = r.searchIndex() == null ? config.index().strategy() : r.searchIndex();
            RunRow run = runs.createRun(spec.id(), dims, scope, batchSize, concurrency, spec.pricePerMillionTokens(), trigger,
                    index);
            LOG.infof("Backfill run %d queued (%s): %d rows, scope %s", run.id(), trigger, run.total(), scope);
            return view(run);
        } catch (ActiveRunExists e) {
            throw activeConflict(e.activeRunId);
        }
    }

    /** Seed 001's cost table for the configured target, from the rows in scope now. */
    public Estimate estimate(Scope scope, Integer batchSizeOverride) {
        Scope s = scope == null ? DEFAULT_SCOPE : scope;
        ModelSpec spec = registry.validateTarget(target.model(), target.dimensions(), target.storageType());
        ScopeRepository.InScope found = scopes.estimateInScope(s, spec.id(), target.dimensions());
        long rows = found.rows();
        long tokens = found.tokens();
        int batchSize = batchSizeOverride == null ? config.batchSize() : batchSizeOverride;
        long requests = provider.requestsFor(rows, batchSize);
        Long seconds = null;
        if (!EmbeddingConfig.LOCAL.equals(provider.name())) {
            // The limiter's rates now: with the adaptive limiter, what it has found the quota to be so far.
            double minutes = Math.max((double) requests / limiter.currentRequestsPerMinute(),
                    (double) tokens / limiter.currentTokensPerMinute());
            seconds = (long) Math.ceil(minutes * 60);
        }
        BigDecimal price = spec.pricePerMillionTokens();
        BigDecimal cost = Cost.usd(price, tokens);
        long storage = rows * (4L * target.dimensions() + 8); // pgvector: 4 bytes a dimension + 8 of header
        return new Estimate(s, provider.name(), spec.id(), target.dimensions(), rows, tokens,
                rows == 0 ? 0 : Math.round(10.0 * tokens / rows) / 10.0, price, cost, requests, limiter.currentRequestsPerMinute(),
                limiter.currentTokensPerMinute(), seconds, storage);
    }

    public List<Run> list() {
        return runs.listRuns(200).stream().map(this::view).toList();
    }

    /** The store's newest run, if it had one. */
    public java.util.Optional<Run> latest() {
        return runs.listRuns(1).stream().findFirst().map(this::view);
    }

    public Run get(long id) {
        return view(find(id));
    }

    public Run pause(long id) {
        return move(id, List.of(RunStatus.QUEUED, RunStatus.RUNNING), RunStatus.PAUSED, "paused");
    }

    public Run resume(long id) {
        return move(id, List.of(RunStatus.PAUSED), RunStatus.RUNNING, "resumed");
    }

    public Run cancel(long id) {
        return move(id, List.copyOf(RunStatus.ACTIVE), RunStatus.CANCELLED, "cancelled");
    }

    public FailurePage failures(long id, int limit, long after) {
        find(id);
        var rows = leases.failures(id, limit, after);
        List<FailurePage.Item> items = rows.stream()
                .map(f -> new FailurePage.Item(f.questionId(), f.attempts(), f.errorCode(), f.error(), f.lastAttemptAt()))
                .toList();
        Long next = rows.size() == limit ? rows.get(rows.size() - 1).questionId() : null;
        return new FailurePage(items, next);
    }

    /** Queues the failed rows again; a run that had ended runs again (unless another run is active). */
    public Run retryFailures(long id) {
        RunRow run = find(id);
        if (run.status() == RunStatus.CANCELLED) {
            throw ProblemException.conflict("Run " + id + " was cancelled; start a new run instead");
        }
        try {
            long queued = runs.retryFailures(id);
            if (queued < 0) {
                throw ProblemException.conflict("Run " + id + " was cancelled; start a new run instead");
            }
            LOG.infof("Backfill run %d: %d failed rows queued again", id, queued);
        } catch (ActiveRunExists e) {
            throw activeConflict(e.activeRunId);
        }
        return get(id);
    }

    private Run move(long id, List<RunStatus> from, RunStatus to, String verb) {
        RunRow run = find(id);
        boolean moved;
        try {
            moved = runs.transition(id, from, to, null);
        } catch (ActiveRunExists e) {
            throw activeConflict(e.activeRunId);
        }
        if (!moved) {
            throw ProblemException.conflict("Run " + id + " is " + run.status() + "; only a run that is "
                    + from.stream().map(Enum::name).sorted().toList() + " can be " + verb);
        }
        LOG.infof("Backfill run %d %s", id, verb);
        return get(id);
    }

    private RunRow find(long id) {
        return runs.findRun(id).orElseThrow(() -> ProblemException.notFound("No backfill run " + id));
    }

    private static ProblemException activeConflict(long activeRunId) {
        return new ProblemException(new Problem(409, "Conflict", "Backfill run " + activeRunId
                + " is active (QUEUED, RUNNING or PAUSED); only one run at a time").with("activeRunId", activeRunId));
    }

    Run view(RunRow r) {
        long processed = r.succeeded() + r.failed();
        long remaining = Math.max(0, r.total() - processed);
        double percent = r.total() == 0 ? (r.status().active() ? 0 : 100) : Math.min(100.0, 100.0 * processed / r.total());
        Double rate = null;
        if (r.status() == RunStatus.RUNNING) {
            rate = progress.recentRate(r.id());
        } else if (r.startedAt() != null && r.finishedAt() != null) {
            double seconds = Duration.between(r.startedAt(), r.finishedAt()).toMillis() / 1000.0;
            rate = seconds > 0 ? processed / seconds : null;
        }
        Long eta = rate != null && rate > 0 && r.status().active() ? Math.round(remaining / rate) : null;
        BigDecimal cost = Cost.usd(r.pricePerMillion(), r.inputTokens());
        return new Run(r.id(), r.status(), r.model(), r.dimensions(), r.scope(), r.batchSize(), r.concurrency(), r.trigger(),
                r.total(), processed, r.succeeded(), r.failed(), remaining, Math.round(percent * 100) / 100.0,
                rate == null ? null : Math.round(rate * 10) / 10.0, eta, r.inputTokens(), cost, r.createdAt(), r.startedAt(),
                r.updatedAt(), r.finishedAt(), r.lastError(), searchIndex(r), embedding.provider(), r.pricePerMillion(), // the setting, not the bean: a run stays readable without a key
                r.vectorColumn().vector(), r.migrationId());
    }

    private static Run.SearchIndexState searchIndex(RunRow r) {
        String state = r.indexDroppedAt() == null ? "KEPT"
                : r.indexBuiltAt() != null ? "BUILT" : r.indexBuildStartedAt() != null ? "BUILDING" : "DROPPED";
        return new Run.SearchIndexState(r.indexStrategy(), state, r.indexDroppedAt(), r.indexBuildStartedAt(), r.indexBuiltAt(),
                r.indexBuildMs() == null ? null : r.indexBuildMs() / 1000.0);
    }
}
