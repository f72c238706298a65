package dev.reembed.tenant;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.api.MigrationVersion;
import org.jboss.logging.Logger;

import dev.reembed.backfill.BackfillRequest;
import dev.reembed.backfill.BackfillService;
import dev.reembed.common.ProblemException;
import dev.reembed.migration.MigrationService;

/** The overview of the tenants and the calls that run in each of them, one after another, each on its own. */
@ApplicationScoped
public class TenantOverviewService {

    private static final Logger LOG = Logger.getLogger(TenantOverviewService.class);

    private final TenantService tenants;
    private final TenantRepository repository;
    private final MigrationService migrations;
    private final BackfillService backfills;

    public TenantOverviewService(TenantService tenants, TenantRepository repository, MigrationService migrations,
            BackfillService backfills) {
        this.tenants = tenants;
        this.repository = repository;
        this.migrations = migrations;
        this.backfills = backfills;
    }

    public List<TenantOverview> list(Predicate<String> reach) {
        List<Tenant> all = tenants.discover().stream().filter(t -> reach.test(t.schema())).toList();
        List<String> served = all.stream().filter(Tenant::usable).map(Tenant::schema).toList();
        Map<String, String> columns = served.isEmpty() ? Map.of() : repository.embeddingColumns(served);
        var migrated = served.isEmpty() ? java.util.Set.<String>of() : repository.migratedSchemas(served);
        List<TenantOverview> out = new ArrayList<>();
        for (Tenant t : all) {
            if (!t.usable()) {
                out.add(new TenantOverview(t.schema(), t.companyName(), t.status(), null, null, null, t.problem()));
                continue;
            }
            TenantOverview.Migration migration = null;
            TenantOverview.LastRun lastRun = null;
            if (migrated.contains(t.schema())) {
                migration = new TenantOverview.Migration(currentVersion(t.schema()), columns.get(t.schema()));
                lastRun = TenantContext.call(t.schema(), backfills::latest)
                        .map(r -> new TenantOverview.LastRun(r.id(), r.status().name(), r.percent())).orElse(null);
            }
            out.add(new TenantOverview(t.schema(), t.companyName(), t.status(), t.target(), migration, lastRun, null));
        }
        return out;
    }

    public List<TenantOutcome> applyAll(Predicate<String> reach) {
        return inEach("apply", reach, migrations::apply);
    }

    public List<TenantOutcome> backfillAll(BackfillRequest request, Predicate<String> reach) {
        return inEach("backfill", reach, () -> backfills.start(request, "api"));
    }

    /** {@code call} in every served tenant; a problem is that tenant's outcome, an unexpected error too (logged). */
    private List<TenantOutcome> inEach(String what, Predicate<String> reach, Supplier<Object> call) {
        List<TenantOutcome> out = new ArrayList<>();
        for (Tenant t : tenants.discover().stream().filter(x -> reach.test(x.schema())).toList()) {
            if (!t.usable()) {
                out.add(TenantOutcome.skipped(t.schema(), t.problem()));
                continue;
            }
            try {
                tenants.require(t.schema());
                out.add(TenantOutcome.done(t.schema(), TenantContext.call(t.schema(), call)));
            } catch (ProblemException e) {
                out.add(TenantOutcome.failed(t.schema(), e.problem().status, e.problem().detail));
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s in tenant %s failed", what, t.schema());
                out.add(TenantOutcome.failed(t.schema(), 500, what + " failed: " + e.getMessage()));
            }
        }
        return out;
    }

    private String currentVersion(String schema) {
        return repository.appliedVersions(schema).stream().map(MigrationVersion::fromVersion).max(Comparator.naturalOrder())
                .map(MigrationVersion::getVersion).orElse(null);
    }
}
