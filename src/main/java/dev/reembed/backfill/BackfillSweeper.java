package dev.reembed.backfill;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.tenant.StoreTarget;
import dev.reembed.common.ProblemException;
import io.quarkus.scheduler.Scheduled;

/**
 * The scheduled sweep: once a run for the target model has completed, rows added or edited later
 * (and not embedded by the application path) are picked up by a small run, so that no row stays
 * without a current vector. It never starts the first, big backfill: that is an operator's call.
 */
@ApplicationScoped
public class BackfillSweeper {

    private static final Logger LOG = Logger.getLogger(BackfillSweeper.class);

    private final RunRepository runs;
    private final ScopeRepository scopes;
    private final BackfillService service;
    private final BackfillConfig config;
    private final StoreTarget target;

    public BackfillSweeper(RunRepository runs, ScopeRepository scopes, BackfillService service, BackfillConfig config,
            StoreTarget target) {
        this.runs = runs;
        this.scopes = scopes;
        this.service = service;
        this.config = config;
        this.target = target;
    }

    @Scheduled(every = "${reembed.backfill.sweep.interval}", delayed = "${reembed.backfill.sweep.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        if (config.sweep().enabled()) {
            sweepOnce();
        }
    }

    /** Returns the id of the run it started, or -1. */
    long sweepOnce() {
        if (runs.activeRun().isPresent()) {
            return -1;
        }
        var last = runs.lastRunFor(target.model(), target.dimensions());
        if (last.isEmpty() || last.get().status() != RunStatus.COMPLETED) {
            return -1;
        }
        long stale = scopes.countInScope(Scope.STALE, target.model(), target.dimensions());
        if (stale == 0) {
            return -1;
        }
        try {
            Run run = service.start(new BackfillRequest(null, null, null, null, Scope.STALE, null), "sweep");
            LOG.infof("Sweep: %d rows without a current vector; started run %d", stale, run.id());
            return run.id();
        } catch (ProblemException e) {
            LOG.debugf("Sweep skipped: %s", e.getMessage()); // another replica started one, or the schema moved
            return -1;
        }
    }
}
