package dev.reembed.backfill;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.reembed.backfill.BackfillRepository.Lease;
import dev.reembed.backfill.BackfillRepository.RowFailure;
import dev.reembed.backfill.BackfillRepository.RunRow;
import dev.reembed.backfill.BackfillRepository.VectorWrite;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * The backfill loop. Every replica looks for the active run each poll interval; while it is
 * RUNNING, the replica keeps {@code concurrency} workers on it. A worker leases a batch of rows
 * (primary-key order), calls the provider with no transaction open, and writes the vectors, the
 * checkpoint and the counters in one statement. Threads are managed here rather than by a
 * scheduler because their number follows the run's {@code concurrency}, which changes per run.
 */
@ApplicationScoped
public class BackfillWorker {

    private static final Logger LOG = Logger.getLogger(BackfillWorker.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration INDEX_WAIT = Duration.ofSeconds(5);

    private final BackfillRepository repository;
    private final EmbeddingProvider provider;
    private final BackfillConfig config;
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
    private volatile long workingOn = -1;
    private volatile ProviderHealth health;

    private final Counter rowsEmbedded;
    private final Timer writeTimer;
    private final BusyClock writing = new BusyClock();
    private final MeterRegistry meters;
    private final SearchIndex searchIndex;
    /** A build of an index left dropped by an ended run is under way in this replica. */
    private final AtomicBoolean healing = new AtomicBoolean();
    @Inject
    RunHistory history;

    public BackfillWorker(BackfillRepository repository, EmbeddingProvider provider, BackfillConfig config, MeterRegistry meters,
            SearchIndex searchIndex) {
        this.repository = repository;
        this.provider = provider;
        this.config = config;
        this.meters = meters;
        this.searchIndex = searchIndex;
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
        RunRow run = repository.activeRun().orElse(null);
        if (run == null) {
            healIndex();
            return;
        }
        if (run.status() == RunStatus.QUEUED && repository.transition(run.id(), List.of(RunStatus.QUEUED), RunStatus.RUNNING, null)) {
            LOG.infof("Backfill run %d started: %d rows, scope %s, %s at %d d, batches of %d, %d in flight", run.id(), run.total(),
                    run.scope(), run.model(), run.dimensions(), run.batchSize(), run.concurrency());
            run = repository.findRun(run.id()).orElseThrow();
        }
        if (run.status() == RunStatus.RUNNING) {
            ensureWorkers(run);
        }
    }

    /** An ended run (cancelled, failed, or cut off) left the index dropped: build it, off the scheduler thread. */
    private void healIndex() {
        if (repository.indexPending() && healing.compareAndSet(false, true)) {
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
        if (workingOn != run.id()) {
            workingOn = run.id();
            health = new ProviderHealth(clock, config.outagePauseAfter());
        }
        searchIndex.beforeRun(run); // each poll, idempotent: also after a restart between the start and the drop
        while (workers.get() < run.concurrency()) {
            String owner = replica + "/" + UUID.randomUUID().toString().substring(0, 8);
            long runId = run.id();
            int batchSize = run.batchSize();
            workers.incrementAndGet();
            threads.execute(() -> work(runId, batchSize, owner));
        }
    }

    private void work(long runId, int batchSize, String owner) {
        try {
            int failures = 0;
            while (!stopping && repository.status(runId).orElse(RunStatus.CANCELLED) == RunStatus.RUNNING) {
                List<Lease> leases = repository.lease(runId, owner, batchSize, config.leaseDuration());
                history.leased(runId, leases.stream().filter(Lease::takenOver).count());
                if (leases.isEmpty()) {
                    if (repository.findRun(runId).map(RunRow::indexPending).orElse(false) && !repository.hasOpenItems(runId)) {
                        // Every row is written: the index the run dropped comes back before the run completes.
                        boolean built;
                        try {
                            built = searchIndex.build();
                        } catch (RuntimeException e) {
                            // E.g. no right to create it: the rows are safe; say so on the run and try again later.
                            LOG.warnf("Run %d: %s", runId, e.getMessage());
                            repository.noteError(runId, "Search index build failed, retried every minute: " + e.getMessage());
                            sleep(Duration.ofMinutes(1));
                            continue;
                        }
                        if (!built) {
                            // Another worker or replica builds it (minutes): look now and then, not every poll,
                            // which would walk the dead entries of the items index while the build needs the CPU.
                            sleep(INDEX_WAIT.compareTo(config.pollInterval()) > 0 ? INDEX_WAIT : config.pollInterval());
                        }
                        continue;
                    }
                    if (repository.completeIfDone(runId)) {
                        repository.analyzeQuestions();
                        RunRow done = repository.findRun(runId).orElseThrow();
                        LOG.infof("Backfill run %d completed: %d succeeded, %d failed, %d input tokens", runId, done.succeeded(),
                                done.failed(), done.inputTokens());
                        return;
                    }
                    sleep(config.pollInterval()); // other workers hold the last leases, or the sweep added rows
                    continue;
                }
                Duration wait = process(runId, owner, leases);
                failures = wait.isZero() ? 0 : failures + 1;
                if (!wait.isZero()) {
                    sleep(wait.compareTo(Duration.ZERO) > 0 ? wait : backoff(failures));
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Backfill worker %s stopped on an unexpected error; its leases return when they expire", owner);
        } finally {
            workers.decrementAndGet();
        }
    }

    /**
     * Embeds and writes one leased batch. Returns zero when the batch went through, a positive
     * wait the provider asked for, or a negative duration for "back off by the failure count".
     */
    Duration process(long runId, String owner, List<Lease> leases) {
        // A pause or cancel must stop provider calls: look once more, right before calling.
        if (repository.status(runId).orElse(RunStatus.CANCELLED) != RunStatus.RUNNING) {
            repository.release(runId, owner, ids(leases));
            return Duration.ZERO;
        }
        RunRow run = repository.findRun(runId).orElseThrow();
        EmbeddingBatch batch;
        try {
            batch = provider.embedDocuments(leases.stream().map(l -> new DocumentText(l.title(), l.content())).toList());
        } catch (EmbeddingException e) {
            return failed(run, owner, leases, e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Run %d: the provider failed unexpectedly", runId);
            return failed(run, owner, leases, new EmbeddingException(EmbeddingException.Code.INTERNAL, String.valueOf(e.getMessage())));
        }
        health.success();
        if (batch.size() != leases.size() || batch.vectors().stream().anyMatch(v -> v.length != run.dimensions())) {
            return failed(run, owner, leases, new EmbeddingException(EmbeddingException.Code.BAD_RESPONSE,
                    "the provider answered " + batch.size() + " vectors of the wrong size for " + leases.size() + " texts"));
        }
        if (repository.status(runId).orElse(RunStatus.CANCELLED) == RunStatus.CANCELLED) {
            repository.release(runId, owner, ids(leases)); // cancel keeps what was committed, nothing after
            return Duration.ZERO;
        }
        List<VectorWrite> writes = new ArrayList<>(leases.size());
        for (int i = 0; i < leases.size(); i++) {
            writes.add(new VectorWrite(leases.get(i).questionId(), batch.vectors().get(i), leases.get(i).contentHash()));
        }
        long started = writing.start();
        BackfillRepository.WriteOutcome outcome;
        try {
            outcome = repository.writeVectors(VectorColumn.EMBEDDING, runId, owner, run.model(), writes, batch.inputTokens());
        } finally {
            writeTimer.record(Duration.ofNanos(writing.stop(started)));
        }
        rowsEmbedded.increment(outcome.written());
        history.written(runId, outcome.written(), batch.inputTokens());
        if (outcome.changedSinceRead() > 0) {
            LOG.debugf("Run %d: %d rows changed while they were embedded; they stay pending", runId, outcome.changedSinceRead());
        }
        return Duration.ZERO;
    }

    private Duration failed(RunRow run, String owner, List<Lease> leases, EmbeddingException e) {
        if (stopping) {
            // Shutting down: the client may be closing under the call. Not the provider's fault, not
            // the rows': give them back and leave the run as it is (a RUNNING run carries on at restart).
            repository.release(run.id(), owner, ids(leases));
            return Duration.ZERO;
        }
        Counter.builder("reembed.backfill.failures").description("Rows of failed provider calls, by error code")
                .tag("code", e.code().name()).register(meters).increment(leases.size());
        switch (e.code()) {
            case INVALID_ARGUMENT, INPUT_TOO_LONG -> {
                return rejected(run, owner, leases, e);
            }
            case DAILY_QUOTA_EXHAUSTED, UNAUTHENTICATED, PERMISSION_DENIED, INTERNAL -> {
                // Nothing will succeed until an operator acts: pause rather than fail rows.
                repository.release(run.id(), owner, ids(leases));
                pause(run, e.getMessage());
                return Duration.ZERO;
            }
            default -> {
                health.failure();
                if (health.healthy()) {
                    // Other calls succeed: this batch's rows use up an attempt, and fail after the last.
                    repository.recordFailures(run.id(), owner, rowFailures(leases, e), config.maxAttempts(), true);
                } else {
                    repository.release(run.id(), owner, ids(leases));
                    if (health.down()) {
                        pause(run, "Provider outage: every call failed for " + health.failingFor().toSeconds() + " s. Last error: "
                                + e.getMessage());
                    }
                }
                return e.retryAfter().orElse(Duration.ofMillis(-1));
            }
        }
    }

    /** A 400 names a batch, not a row: halve it until the offending rows stand alone, and fail only those. */
    private Duration rejected(RunRow run, String owner, List<Lease> leases, EmbeddingException e) {
        if (leases.size() == 1) {
            repository.recordFailures(run.id(), owner, rowFailures(leases, e), config.maxAttempts(), false);
            return Duration.ZERO;
        }
        if (e.code() == EmbeddingException.Code.INPUT_TOO_LONG && !e.itemIndexes().isEmpty()
                && e.itemIndexes().size() < leases.size()) {
            List<Lease> bad = e.itemIndexes().stream().map(leases::get).toList();
            repository.recordFailures(run.id(), owner, rowFailures(bad, e), config.maxAttempts(), false);
            List<Lease> rest = leases.stream().filter(l -> !bad.contains(l)).toList();
            return process(run.id(), owner, rest);
        }
        int half = leases.size() / 2;
        Duration first = process(run.id(), owner, leases.subList(0, half));
        Duration second = process(run.id(), owner, leases.subList(half, leases.size()));
        return first.isZero() ? second : first;
    }

    private void pause(RunRow run, String reason) {
        if (repository.transition(run.id(), List.of(RunStatus.RUNNING), RunStatus.PAUSED, reason)) {
            LOG.warnf("Backfill run %d paused: %s", run.id(), reason);
        }
    }

    private static List<RowFailure> rowFailures(List<Lease> leases, EmbeddingException e) {
        return leases.stream().map(l -> new RowFailure(l.questionId(), e.code().name(), e.getMessage())).toList();
    }

    private static List<Long> ids(List<Lease> leases) {
        return leases.stream().map(Lease::questionId).toList();
    }

    private Duration backoff(int failures) {
        long base = config.retryBackoff().toMillis() << Math.min(failures - 1, 10);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis(capped / 2 + (long) (Math.random() * capped / 2)); // jitter: replicas don't retry in step
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Graceful shutdown: workers finish (commit) or release the batch in hand, then stop. */
    void onStop(@Observes ShutdownEvent event) {
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

    /**
     * Wall time during which at least one write was in flight, across workers: rows written divided
     * by it is the write path's own throughput, apart from the provider's latency. (A Micrometer
     * LongTaskTimer measures the sum over tasks, not their union.)
     */
    static final class BusyClock {
        private int inFlight;
        private long since;
        private long busyNanos;

        synchronized long start() {
            long now = System.nanoTime();
            if (inFlight++ == 0) {
                since = now;
            }
            return now;
        }

        /** Returns this write's own duration. */
        synchronized long stop(long started) {
            long now = System.nanoTime();
            if (--inFlight == 0) {
                busyNanos += now - since;
            }
            return now - started;
        }

        synchronized double seconds() {
            return (busyNanos + (inFlight > 0 ? System.nanoTime() - since : 0)) / 1e9;
        }
    }

    /** Workers of this replica, for the health check and tests. */
    public int activeWorkers() {
        return workers.get();
    }
}
