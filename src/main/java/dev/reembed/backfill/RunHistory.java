package dev.reembed.backfill;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.backfill.RunHistoryRepository.Delta;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.ProviderCallListener;
import dev.reembed.tenant.TenantContext;
import io.quarkus.scheduler.Scheduled;

/**
 * A per-minute history of each run (rows, tokens, provider calls, 429s, errors, lease takeovers),
 * counted in memory and added to {@code backfill_history} every two seconds, at shutdown and before
 * each read. The counts are a chart, not a record: the run row stays exact; a replica killed
 * without a shutdown loses its last seconds here.
 *
 * <p>Provider calls are attributed by thread: a backfill worker leases rows, then calls the
 * provider on the same thread (every provider is synchronous), so the calls of the application
 * path and of verification, made on other threads, are not counted against the run.
 */
@ApplicationScoped
public class RunHistory implements ProviderCallListener {

    private static final Logger LOG = Logger.getLogger(RunHistory.class);

    /** {@code store}: the tenant's schema, null for the service's own (a HashMap key too); run ids are per store. */
    private record Key(String store, long runId, long epochMinute) {
    }

    /** Mutated only inside {@link ConcurrentHashMap#compute}, which orders it with {@link #flush()}'s remove. */
    private static final class Counts {
        long rows;
        long tokens;
        long calls;
        long rateLimited;
        long errors;
        long takeovers;
    }

    private final RunHistoryRepository repository;
    private final Clock clock = Clock.systemUTC();
    private final ConcurrentHashMap<Key, Counts> pending = new ConcurrentHashMap<>();
    /** The run this thread's provider calls are for: set by a worker's lease. */
    private final ThreadLocal<Long> workingFor = new ThreadLocal<>();

    public RunHistory(RunHistoryRepository repository) {
        this.repository = repository;
    }

    /**
     * A worker of {@code runId} leased rows on this thread, {@code takeovers} of them from an expired
     * lease; the provider calls that follow on this thread are the run's.
     */
    public void leased(long runId, long takeovers) {
        workingFor.set(runId);
        if (takeovers > 0) {
            add(runId, c -> c.takeovers += takeovers);
        }
    }

    /** A write of {@code runId} committed {@code rows} vectors made from {@code tokens} input tokens. */
    public void written(long runId, long rows, long tokens) {
        add(runId, c -> {
            c.rows += rows;
            c.tokens += tokens;
        });
    }

    @Override
    public void called(Outcome outcome) {
        Long runId = workingFor.get();
        if (runId != null) {
            add(runId, c -> {
                c.calls++;
                if (outcome == Outcome.RATE_LIMITED) {
                    c.rateLimited++;
                } else if (outcome == Outcome.ERROR) {
                    c.errors++;
                }
            });
        }
    }

    /** The run's minutes with activity, ascending, this replica's latest counts included. */
    public List<HistoryMinute> minutes(long runId) {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warnf("Backfill history not written (kept for the next try): %s", e.getMessage());
        }
        return repository.minutes(runId).orElseThrow(() -> ProblemException.notFound("No backfill run " + runId));
    }

    /**
     * {@link #flush()}, a failure logged rather than thrown: every 2 s, and by the worker's shutdown
     * once the batches in hand are written (rather than an observer of its own, whose order
     * against the worker's would be one more thing to get right).
     */
    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warnf("Backfill history not written (kept for the next try): %s", e.getMessage());
        }
    }

    /**
     * Adds what was counted to the table. Synchronized so that a read after a flush also sees what a
     * concurrent flush took; counts that cannot be written go back for the next flush.
     */
    synchronized void flush() {
        Map<String, List<Delta>> byStore = new HashMap<>();
        for (Key key : pending.keySet()) {
            Counts c = pending.remove(key);
            if (c != null) {
                byStore.computeIfAbsent(key.store(), s -> new ArrayList<>()).add(
                        new Delta(key.runId(), key.epochMinute(), c.rows, c.tokens, c.calls, c.rateLimited, c.errors, c.takeovers));
            }
        }
        RuntimeException failure = null;
        for (Map.Entry<String, List<Delta>> e : byStore.entrySet()) {
            String store = e.getKey();
            try {
                TenantContext.run(store, () -> repository.add(e.getValue()));
            } catch (RuntimeException ex) {
                putBack(store, e.getValue());
                failure = ex;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Counts that could not be written go back for the next flush. */
    private void putBack(String store, List<Delta> deltas) {
        for (Delta d : deltas) {
            pending.compute(new Key(store, d.runId(), d.epochMinute()), (k, old) -> {
                Counts c = old == null ? new Counts() : old;
                c.rows += d.rows();
                c.tokens += d.tokens();
                c.calls += d.calls();
                c.rateLimited += d.rateLimited();
                c.errors += d.errors();
                c.takeovers += d.leaseTakeovers();
                return c;
            });
        }
    }

    private void add(long runId, Consumer<Counts> change) {
        pending.compute(new Key(TenantContext.current().orElse(null), runId, clock.millis() / 60_000), (k, old) -> {
            Counts c = old == null ? new Counts() : old;
            change.accept(c);
            return c;
        });
    }
}
