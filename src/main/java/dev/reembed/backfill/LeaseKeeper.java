package dev.reembed.backfill;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.tenant.TenantContext;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * The batches this replica's workers hold while their provider call is in flight, and the renewal
 * of their leases: a live replica's rows stay its own however slow the call, so the lease itself
 * can be short and a killed replica's rows come back within it.
 */
@Startup // its configuration check stops start-up, rather than the first worker
@ApplicationScoped
public class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

    /** {@code store}: the tenant's schema, null for the service's own. */
    private record InFlight(String store, long runId, LeaseRepository.Held held) {
    }

    private record RunOf(String store, long runId) {
    }

    private final LeaseRepository leases;
    private final BackfillConfig config;
    /** By worker (lease owner): one batch each. */
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();

    public LeaseKeeper(LeaseRepository leases, BackfillConfig config) {
        if (config.leaseRenewal().multipliedBy(2).compareTo(config.leaseDuration()) > 0) {
            throw new IllegalArgumentException("reembed.backfill.lease-renewal (" + config.leaseRenewal()
                    + ") must be at most half of reembed.backfill.lease-duration (" + config.leaseDuration()
                    + "), or a slow call would lose its rows to another worker");
        }
        this.leases = leases;
        this.config = config;
    }

    void hold(long runId, String owner, List<Long> questionIds) {
        inFlight.put(owner, new InFlight(TenantContext.current().orElse(null), runId, new LeaseRepository.Held(owner, questionIds)));
    }

    void drop(String owner) {
        inFlight.remove(owner);
    }

    @Scheduled(every = "${reembed.backfill.lease-renewal}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void renew() {
        Map<RunOf, List<LeaseRepository.Held>> byRun = inFlight.values().stream().collect(Collectors.groupingBy(
                f -> new RunOf(f.store(), f.runId()), Collectors.mapping(InFlight::held, Collectors.toList())));
        byRun.forEach((run, held) -> {
            try {
                TenantContext.run(run.store(), () -> leases.renew(run.runId(), config.leaseDuration(), held));
            } catch (RuntimeException e) {
                // E.g. the database restarting: the leases last lease-duration, the next renewal may make it.
                LOG.warnf("Run %d: cannot renew the leases of %d batches: %s", run.runId(), held.size(), e.getMessage());
            }
        });
    }
}
