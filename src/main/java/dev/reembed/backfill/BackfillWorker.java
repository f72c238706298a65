package dev.reembed.backfill;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import dev.reembed.backfill.LeaseRepository.Lease;
import dev.reembed.backfill.LeaseRepository.Leased;
import dev.reembed.backfill.LeaseRepository.RowFailure;
import dev.reembed.backfill.VectorWriter.VectorWrite;
import dev.reembed.common.DatabaseErrors;
import dev.reembed.embedding.Backoff;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.EmbeddingProviders;
import dev.reembed.tenant.TenancyConfig;
import dev.reembed.tenant.Tenant;
import dev.reembed.tenant.TenantContext;
import dev.reembed.tenant.TenantService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * The backfill loop. Every replica looks for the active run each poll interval; while it is
 * RUNNING, the replica keeps {@code concurrency} workers on it. A worker leases a batch of rows
 * (primary-key order), calls the provider with no transaction open, and writes the vectors, the
 * checkpoint and the counters in one statement. While a call is in flight its leases are renewed,
 * so that the lease can be short: a killed replica's rows come back within it. Threads are managed
 * here rather than by a scheduler because their number follows the run's {@code concurrency}.
 */
@ApplicationScoped
public class BackfillWorker {

    private static final Logger LOG = Logger.getLogger(BackfillWorker.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration INDEX_WAIT = Duration.ofSeconds(5);
    /** Writes of a batch through a database outage: about a minute of backoff. */
    private static final int WRITE_RETRIES = 6;

    /** What a worker reads of its run once: the run's model, dimension and batch size do not change. */
    private record Job(long runId, String model, int dimensions, int batchSize, String owner, VectorColumn column,
            EmbeddingProvider provider, ProviderHealth health) {

        Job withOwner(String owner) {
            return new Job(runId, model, dimensions, batchSize, owner, column, provider, health);
        }
    }

    private final RunRepository runs;
    private final LeaseRepository leases;
    private final VectorWriter writer;
    private final EmbeddingProvider provider;
    private final EmbeddingProviders providers;
    private final BackfillConfig config;
    private final SearchIndex searchIndex;
    private final RunHistory history;
    private final LeaseKeeper keeper;
    private final MeterRegistry meters;
    private final Backoff backoff;
    private final Clock clock = Clock.systemUTC();
    private final String replica = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger workerNumbers = new AtomicInteger();
    /** Workers running in this replica, counted before their thread starts so that two polls never over-start. */
    private final AtomicInteger workers = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "backfill-worker-" + workerNumbers.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;
    /** The run this replica's health belongs to: id and creation time (ids restart after a truncate). */
    private volatile String workingOn = "";
    private volatile ProviderHealth health;

    private final TenantService tenants;
    private final TenancyConfig tenancy;
    /** The tenants' running runs, taken in turn by the shared workers. */
    private final TenantLanes<Job> lanes = new TenantLanes<>();
    private final AtomicInteger sharedWorkers = new AtomicInteger();
    private final Set<String> healingTenants = ConcurrentHashMap.newKeySet();

    private final Counter rowsEmbedded;
    private final Timer writeTimer;
    private final BusyClock writing = new BusyClock();
    /** A build of an index left dropped by an ended run is under way in this replica. */
    private final AtomicBoolean healing = new AtomicBoolean();

    public BackfillWorker(RunRepository runs, LeaseRepository leases, VectorWriter writer, EmbeddingProvider provider,
            EmbeddingProviders providers, BackfillConfig config, MeterRegistry meters, SearchIndex searchIndex,
            RunHistory history, LeaseKeeper keeper, TenantService tenants, TenancyConfig tenancy) {
        this.tenants = tenants;
        this.tenancy = tenancy;
        this.providers = providers;
        this.runs = runs;
        this.leases = leases;
        this.writer = writer;
        this.provider = provider;
        this.config = config;
        this.meters = meters;
        this.searchIndex = searchIndex;
        this.history = history;
        this.keeper = keeper;
        this.backoff = new Backoff(config.retryBackoff(), MAX_BACKOFF);
        this.rowsEmbedded = Counter.builder("reembed.backfill.rows.embedded")
                .description("Rows whose new vector a backfill committed").register(meters);
        this.writeTimer = Timer.builder("reembed.backfill.write").description("Vector writes (COPY + update + checkpoint) of one batch")
                .register(meters);
        FunctionCounter.builder("reembed.backfill.write.busy", writing, BusyClock::seconds).baseUnit("seconds")
                .description("Time during which at least one vector write was in flight (write throughput = rows / this)")
                .register(meters);
    }

    @Scheduled(every = "${reembed.backfill.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        if (stopping) {
            return;
        }
        pollOwnStore();
        if (tenants.enabled()) {
            pollTenants();
        }
    }

    private void pollOwnStore() {
        RunRow run = runs.activeRun().orElse(null);
        if (run == null) {
            healIndex();
            return;
        }
        if (run.status() == RunStatus.QUEUED && runs.transition(run.id(), List.of(RunStatus.QUEUED), RunStatus.RUNNING, null)) {
            LOG.infof("Backfill run %d started: %d rows, scope %s, %s at %d d, batches of %d, %d in flight", run.id(), run.total(),
                    run.scope(), run.model(), run.dimensions(), run.batchSize(), run.concurrency());
            run = runs.findRun(run.id()).orElseThrow();
        }
        if (run.status() == RunStatus.RUNNING) {
            ensureWorkers(run);
        }
    }

    /**
     * Tenants: each served tenant's active run becomes a lane (a QUEUED one starts here), and
     * {@code reembed.tenancy.workers} shared workers take the lanes' batches in turn. A tenant that
     * cannot be read now is passed over until the next poll; the others go on.
     */
    private void pollTenants() {
        Set<String> served = new HashSet<>();
        for (Tenant t : tenants.usable()) {
            served.add(t.schema());
            try {
                TenantContext.run(t.schema(), () -> pollTenant(t.schema()));
            } catch (RuntimeException e) {
                LOG.warnf("Tenant %s: its backfill cannot be read now (%s)", t.schema(), e.getMessage());
            }
        }
        lanes.retain(served);
        while (lanes.size() > 0 && sharedWorkers.get() < tenancy.workers()) {
            sharedWorkers.incrementAndGet();
            threads.execute(this::workShared);
        }
    }

    private void pollTenant(String schema) {
        RunRow run = runs.activeRun().orElse(null);
        if (run != null && run.status() == RunStatus.QUEUED
                && runs.transition(run.id(), List.of(RunStatus.QUEUED), RunStatus.RUNNING, null)) {
            LOG.infof("Tenant %s: backfill run %d started: %d rows, %s at %d d", schema, run.id(), run.total(), run.model(),
                    run.dimensions());
            run = runs.findRun(run.id()).orElseThrow();
        }
        if (run == null || run.status() != RunStatus.RUNNING) {
            lanes.idle(schema);
            if (run == null) {
                healTenantIndex(schema);
            }
            return;
        }
        searchIndex.beforeRun(run);
        EmbeddingProvider runProvider;
        try {
            runProvider = providerFor(run);
        } catch (RuntimeException e) {
            runs.noteError(run.id(), "No provider for " + run.model() + " at " + run.dimensions() + " d: " + e.getMessage());
            lanes.idle(schema);
            return;
        }
        Job job = new Job(run.id(), run.model(), run.dimensions(), run.batchSize(), null, run.vectorColumn(), runProvider,
                new ProviderHealth(clock, config.outagePauseAfter()));
        lanes.running(schema, run.id() + "@" + run.createdAt(), job, run.concurrency());
    }

    /** {@link #healIndex()} in a tenant's store. */
    private void healTenantIndex(String schema) {
        if (searchIndex.pending() && healingTenants.add(schema)) {
            threads.execute(() -> {
                try {
                    TenantContext.run(schema, searchIndex::build);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "Tenant %s: search index build failed; it is tried again at the next poll", schema);
                } finally {
                    healingTenants.remove(schema);
                }
            });
        }
    }

    /** A shared worker: one batch of the next tenant with work, in that tenant's store, then the next. */
    private void workShared() {
        String owner = replica + "/" + UUID.randomUUID().toString().substring(0, 8);
        try {
            while (!stopping) {
                TenantLanes.Lane<Job> lane = lanes.take(System.nanoTime());
                if (lane == null) {
                    if (lanes.size() == 0) {
                        return; // the next poll starts workers again when a tenant has a run
                    }
                    long idle = lanes.nanosUntilNext(System.nanoTime(), config.pollInterval().toNanos());
                    sleep(Duration.ofNanos(Math.max(idle, 1_000_000)));
                    continue;
                }
                Outcome outcome;
                try {
                    outcome = TenantContext.call(lane.schema, () -> step(lane.job.withOwner(owner)));
                } catch (RuntimeException e) {
                    if (!DatabaseErrors.isTransient(e)) {
                        LOG.errorf(e, "Tenant %s: a backfill batch failed unexpectedly; its leases return when they expire",
                                lane.schema);
                    }
                    outcome = Outcome.BACK_OFF;
                }
                if (outcome instanceof Outcome.Stopped) {
                    lanes.idle(lane.schema); // paused, cancelled or complete: the next poll says which
                }
                long wait = outcome instanceof Outcome.Wait w ? w.delay().toNanos()
                        : outcome instanceof Outcome.BackOff ? backoff.delay(lane.failuresInARow).toNanos() : 0;
                lanes.done(lane, outcome instanceof Outcome.Done, wait, System.nanoTime());
            }
        } finally {
            sharedWorkers.decrementAndGet();
        }
    }

    /** An ended run (cancelled, failed, or cut off) left the index dropped: build it, off the scheduler thread. */
    private void healIndex() {
        if (searchIndex.pending() && healing.compareAndSet(false, true)) {
            threads.execute(() -> {
                try {
                    searchIndex.build();
                } catch (RuntimeException e) {
                    LOG.errorf(e, "Search index build failed; it is tried again at the next poll");
                } finally {
                    healing.set(false);
                }
            });
        }
    }

    private synchronized void ensureWorkers(RunRow run) {
        String key = run.id() + "@" + run.createdAt();
        if (!key.equals(workingOn)) {
            workingOn = key;
            health = new ProviderHealth(clock, config.outagePauseAfter());
        }
        searchIndex.beforeRun(run); // each poll, idempotent: also after a restart between the start and the drop
        EmbeddingProvider runProvider;
        try {
            runProvider = providerFor(run);
        } catch (RuntimeException e) {
            runs.noteError(run.id(), "No provider for " + run.model() + " at " + run.dimensions() + " d: " + e.getMessage());
            return;
        }
        while (workers.get() < run.concurrency()) {
            Job job = new Job(run.id(), run.model(), run.dimensions(), run.batchSize(),
                    replica + "/" + UUID.randomUUID().toString().substring(0, 8), run.vectorColumn(), runProvider, health);
            workers.incrementAndGet();
            threads.execute(() -> work(job));
        }
    }

    /** The service's provider, or for an online migration's other model the configured vendor's for that model. */
    private EmbeddingProvider providerFor(RunRow run) {
        return run.model().equals(provider.model()) && run.dimensions() == provider.dimensions()
                ? provider
                : providers.forModel(run.model(), run.dimensions());
    }

    private void work(Job job) {
        try {
            int failures = 0;
            while (!stopping) {
                Outcome outcome;
                try {
                    outcome = step(job);
                } catch (RuntimeException e) {
                    if (!DatabaseErrors.isTransient(e)) {
                        LOG.errorf(e, "Backfill worker %s stopped on an unexpected error; its leases return when they expire",
                                job.owner());
                        return;
                    }
                    // The database restarting: this worker waits and goes on (its batch, if any, returns with its lease).
                    LOG.warnf("Backfill worker %s: the database is unavailable (%s); trying again", job.owner(), e.getMessage());
                    outcome = Outcome.BACK_OFF;
                }
                if (outcome instanceof Outcome.Stopped) {
                    return;
                }
                failures = outcome instanceof Outcome.Done ? 0 : failures + 1;
                if (outcome instanceof Outcome.Wait w) {
                    sleep(w.delay());
                } else if (outcome instanceof Outcome.BackOff) {
                    sleep(backoff.delay(failures - 1));
                }
            }
        } finally {
            workers.decrementAndGet();
        }
    }

    /** Leases a batch and processes it; with nothing to lease, waits for the run's end or ends it. */
    private Outcome step(Job job) {
        Leased leased = leases.lease(job.runId(), job.owner(), job.batchSize(), config.leaseDuration());
        history.leased(job.runId(), leased.takenOver());
        if (leased.leases().isEmpty()) {
            return nothingToLease(job) ? Outcome.DONE : Outcome.STOPPED;
        }
        keeper.hold(job.runId(), job.owner(), ids(leased.leases()));
        try {
            return process(job, leased.generation(), leased.leases());
        } finally {
            keeper.drop(job.owner());
        }
    }

    /**
     * No row could be leased: the run is no longer RUNNING, or other workers hold the last rows, or
     * every row is written and the run ends (its index built first). Returns false when this worker
     * is done with the run.
     */
    private boolean nothingToLease(Job job) {
        RunRow run = runs.findRun(job.runId()).orElse(null);
        if (run == null || run.status() != RunStatus.RUNNING) {
            return false;
        }
        if (run.indexPending() && !runs.hasOpenItems(job.runId())) {
            // Every row is written: the index the run dropped comes back before the run completes.
            try {
                if (!searchIndex.build()) {
                    // Another worker or replica builds it (minutes): look now and then, not every poll,
                    // which would walk the dead entries of the items index while the build needs the CPU.
                    sleep(INDEX_WAIT.compareTo(config.pollInterval()) > 0 ? INDEX_WAIT : config.pollInterval());
                }
            } catch (RuntimeException e) {
                // E.g. no right to create it: the rows are safe; say so on the run and try again later.
                LOG.warnf("Run %d: %s", job.runId(), e.getMessage());
                runs.noteError(job.runId(), "Search index build failed, retried every minute: " + e.getMessage());
                sleep(Duration.ofMinutes(1));
            }
            return true;
        }
        if (runs.completeIfDone(job.runId())) {
            runs.analyzeQuestions();
            RunRow done = runs.findRun(job.runId()).orElseThrow();
            LOG.infof("Backfill run %d completed: %d succeeded, %d failed, %d input tokens", job.runId(), done.succeeded(),
                    done.failed(), done.inputTokens());
            return false;
        }
        sleep(config.pollInterval()); // other workers hold the last leases, or the sweep added rows
        return true;
    }

    /** Embeds and writes one leased batch, leased in the run's {@code generation}. */
    Outcome process(Job job, int generation, List<Lease> batch) {
        ProviderHealth health = job.health();
        health.starting(generation);
        EmbeddingBatch embedded;
        try {
            embedded = job.provider().embedDocuments(batch.stream().map(l -> new DocumentText(l.title(), l.content())).toList());
        } catch (EmbeddingException e) {
            return failed(job, generation, batch, e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Run %d: the provider failed unexpectedly", job.runId());
            return failed(job, generation, batch,
                    new EmbeddingException(EmbeddingException.Code.INTERNAL, String.valueOf(e.getMessage())));
        }
        if (embedded.size() != batch.size() || embedded.vectors().stream().anyMatch(v -> v.length != job.dimensions())) {
            return failed(job, generation, batch, new EmbeddingException(EmbeddingException.Code.BAD_RESPONSE,
                    "the provider answered " + embedded.size() + " vectors of the wrong size for " + batch.size() + " texts"));
        }
        health.success(generation);
        if (cancelled(job)) {
            leases.release(job.runId(), job.owner(), ids(batch)); // cancel keeps what was committed, nothing after
            return Outcome.STOPPED;
        }
        List<VectorWrite> writes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            writes.add(new VectorWrite(batch.get(i).questionId(), embedded.vectors().get(i), batch.get(i).contentHash()));
        }
        VectorWriter.WriteOutcome outcome = write(job, writes, embedded.inputTokens());
        if (outcome.written() + outcome.changedSinceRead() < writes.size()) {
            // Not held any more: cancelled meanwhile, or a lease lost (owner-checked: another worker's rows stay its own).
            leases.release(job.runId(), job.owner(), ids(batch));
        }
        rowsEmbedded.increment(outcome.written());
        history.written(job.runId(), outcome.written(), embedded.inputTokens());
        if (outcome.changedSinceRead() > 0) {
            LOG.debugf("Run %d: %d rows changed while they were embedded; they stay pending", job.runId(), outcome.changedSinceRead());
        }
        return Outcome.DONE;
    }

    /** Cancelled since the call began; false also when the database cannot say now (the write refuses a cancelled run anyway). */
    private boolean cancelled(Job job) {
        try {
            return runs.state(job.runId()).map(RunRow.State::status).orElse(RunStatus.CANCELLED) == RunStatus.CANCELLED;
        } catch (RuntimeException e) {
            if (DatabaseErrors.isTransient(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The vectors in hand are paid for: through a database restart the write is tried again (the
     * batch's leases are renewed meanwhile, and the write re-checks them), a bounded number of times.
     */
    private VectorWriter.WriteOutcome write(Job job, List<VectorWrite> writes, long inputTokens) {
        for (int attempt = 0;; attempt++) {
            long started = writing.start();
            try {
                return writer.writeVectors(job.column(), job.runId(), job.owner(), job.model(), writes, inputTokens);
            } catch (RuntimeException e) {
                if (stopping || attempt >= WRITE_RETRIES || !DatabaseErrors.isTransient(e)) {
                    throw e;
                }
                LOG.warnf("Run %d: writing a batch failed (%s); retry %d/%d", job.runId(), e.getMessage(), attempt + 1, WRITE_RETRIES);
            } finally {
                writeTimer.record(Duration.ofNanos(writing.stop(started)));
            }
            sleep(backoff.delay(attempt));
        }
    }

    private Outcome failed(Job job, int generation, List<Lease> batch, EmbeddingException e) {
        // The JVM's shutdown hook can close the REST client before the ShutdownEvent reaches onStop
        // (seen once in CI: "Client is closed" paused a run on SIGTERM), so the VM's own flag counts too.
        if (stopping || ApplicationLifecycleManager.isVmShuttingDown()) {
            stopping = true;
            // Shutting down: the client may be closing under the call. Not the provider's fault, not
            // the rows': give them back and leave the run as it is (a RUNNING run carries on at restart).
            leases.release(job.runId(), job.owner(), ids(batch));
            return Outcome.STOPPED;
        }
        Counter.builder("reembed.backfill.failures").description("Rows of failed provider calls, by error code")
                .tag("code", e.code().name()).register(meters).increment(batch.size());
        ProviderHealth health = job.health();
        ProviderHealth.Verdict verdict = health.failure(e, generation);
        switch (verdict) {
            case REJECTED -> {
                return rejected(job, generation, batch, e);
            }
            case COUNT_ATTEMPT -> leases.recordFailures(job.runId(), job.owner(), rowFailures(batch, e), config.maxAttempts(), true);
            case STALE -> {
                // Began before the run was last resumed: the rows go back and are embedded in this generation.
                leases.release(job.runId(), job.owner(), ids(batch));
                return Outcome.DONE;
            }
            case PAUSE, HOLD, OUTAGE -> leases.release(job.runId(), job.owner(), ids(batch));
        }
        if (verdict == ProviderHealth.Verdict.PAUSE) {
            pause(job, generation, e.getMessage());
            return Outcome.STOPPED;
        }
        if (verdict == ProviderHealth.Verdict.OUTAGE) {
            pause(job, generation, "Provider outage: every call failed for " + health.failingFor().toSeconds()
                    + " s. Last error: " + e.getMessage());
        }
        return e.retryAfter().<Outcome>map(Outcome.Wait::new).orElse(Outcome.BACK_OFF);
    }

    /** A 400 names a batch, not a row: halve it until the offending rows stand alone, and fail only those. */
    private Outcome rejected(Job job, int generation, List<Lease> batch, EmbeddingException e) {
        if (batch.size() == 1) {
            leases.recordFailures(job.runId(), job.owner(), rowFailures(batch, e), config.maxAttempts(), false);
            return Outcome.DONE;
        }
        if (e.code() == EmbeddingException.Code.INPUT_TOO_LONG && !e.itemIndexes().isEmpty()
                && e.itemIndexes().size() < batch.size()) {
            List<Lease> bad = e.itemIndexes().stream().map(batch::get).toList();
            leases.recordFailures(job.runId(), job.owner(), rowFailures(bad, e), config.maxAttempts(), false);
            return process(job, generation, batch.stream().filter(l -> !bad.contains(l)).toList());
        }
        int half = batch.size() / 2;
        Outcome first = process(job, generation, batch.subList(0, half));
        if (first instanceof Outcome.Stopped) {
            leases.release(job.runId(), job.owner(), ids(batch.subList(half, batch.size())));
            return first;
        }
        Outcome second = process(job, generation, batch.subList(half, batch.size()));
        return first instanceof Outcome.Done ? second : first;
    }

    private void pause(Job job, int generation, String reason) {
        if (runs.pause(job.runId(), generation, reason)) {
            LOG.warnf("Backfill run %d paused: %s", job.runId(), reason);
        }
    }

    private static List<RowFailure> rowFailures(List<Lease> batch, EmbeddingException e) {
        return batch.stream().map(l -> new RowFailure(l.questionId(), e.code().name(), e.getMessage())).toList();
    }

    private static List<Long> ids(List<Lease> batch) {
        return batch.stream().map(Lease::questionId).toList();
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /**
     * Graceful shutdown: workers finish (commit) or release the batch in hand, then stop. Observed
     * first, so that a failure of a provider client closing under a call is known to be the shutdown.
     */
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping = true;
        searchIndex.cancel();
        threads.shutdown();
        try {
            if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Backfill workers still busy after 30 s; their leases return when they expire");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        history.flushQuietly(); // the chart's last seconds, the batches just finished included
    }
}
