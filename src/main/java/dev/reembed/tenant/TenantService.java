package dev.reembed.tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.ModelRegistry;
import dev.reembed.embedding.ModelSpec;
import dev.reembed.embedding.TargetConfig;
import dev.reembed.embedding.VectorColumnType;

/**
 * Discovery: the tenants of {@code companies}, read each time it is asked (a company added or
 * suspended is seen without a restart), each with its target and, when it cannot be served, why.
 * A schema is migrated (held like a production start) before anything of it is used, so that no
 * statement of a tenant ever falls through its search_path to the shared schema's tables.
 */
@ApplicationScoped
public class TenantService {

    private static final Logger LOG = Logger.getLogger(TenantService.class);

    private final TenantRepository repository;
    private final TenantMigrator migrator;
    private final ModelRegistry registry;
    private final TargetConfig serviceTarget;
    private final TenancyConfig config;
    /** Schemas this replica has seen migrated: a schema once migrated stays so. */
    private final Set<String> migrated = ConcurrentHashMap.newKeySet();
    private final Map<String, Tenant.Target> targets = new ConcurrentHashMap<>();
    private volatile Discovered discovered;

    public TenantService(TenantRepository repository, TenantMigrator migrator, ModelRegistry registry, TargetConfig serviceTarget,
            TenancyConfig config) {
        this.repository = repository;
        this.migrator = migrator;
        this.registry = registry;
        this.serviceTarget = serviceTarget;
        this.config = config;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** Every processed company, usable or not, in schema order, read now. */
    public List<Tenant> discover() {
        requireTable();
        List<Tenant> out = describe(repository.activeCompanies());
        out.stream().filter(Tenant::usable).forEach(t -> targets.put(t.schema(), t.target()));
        return out;
    }

    /**
     * The tenants that are served, each migrated: what the background work goes through. Read again
     * after {@code reembed.tenancy.discovery-interval}, so a poll every second costs no query per tenant.
     */
    public List<Tenant> usable() {
        Discovered last = discovered;
        if (last != null && last.at() + config.discoveryInterval().toNanos() > System.nanoTime()) {
            return last.tenants();
        }
        List<Tenant> out = new ArrayList<>();
        for (Tenant t : discover()) {
            if (t.usable() && ensureMigrated(t)) {
                out.add(t);
            }
        }
        discovered = new Discovered(System.nanoTime(), List.copyOf(out));
        return discovered.tenants();
    }

    private record Discovered(long at, List<Tenant> tenants) {
    }

    private List<Tenant> describe(List<TenantRepository.Company> companies) {
        List<String> names = companies.stream().map(TenantRepository.Company::schemaName)
                .filter(n -> TenantNames.problem(n).isEmpty()).toList();
        Set<String> existing = names.isEmpty() ? Set.of() : repository.existingSchemas(names);
        List<Tenant> out = new ArrayList<>();
        for (TenantRepository.Company c : companies) {
            String problem = TenantNames.problem(c.schemaName())
                    .or(() -> c.schemaName().equals(config.serviceSchema())
                            ? Optional.of("schema_name " + c.schemaName() + " is the service's own (reembed.tenancy.service-schema)")
                            : Optional.empty())
                    .orElse(existing.contains(c.schemaName()) ? null : "schema " + c.schemaName() + " does not exist");
            Tenant.Target target = null;
            if (problem == null) {
                try {
                    target = targetOf(c.schemaName());
                } catch (ProblemException e) {
                    problem = e.problem().detail;
                }
            }
            out.add(new Tenant(c.schemaName(), c.companyName(), c.status(), target, problem));
        }
        return out;
    }

    /** The tenant of a path: 404 when no processed company has that schema, 409 when it has one that cannot be served. */
    public Tenant require(String schema) {
        requireTable();
        Tenant t = describe(repository.activeCompany(schema)).stream().findFirst()
                .orElseThrow(() -> ProblemException.notFound("No active tenant has the schema '" + printable(schema)
                        + "' (GET /api/tenants lists them)"));
        if (t.usable()) {
            targets.put(t.schema(), t.target());
        } else {
            throw new ProblemException(new Problem(409, "Conflict", "Tenant " + t.schema() + " is skipped: " + t.problem())
                    .with("tenant", t.schema()));
        }
        if (!ensureMigrated(t)) {
            throw new ProblemException(new Problem(409, "Conflict", "Tenant " + t.schema() + " could not be migrated; "
                    + "see the service log").with("tenant", t.schema()));
        }
        return t;
    }

    /** The model a tenant's store moves to: its ai_config's, through the registry; else the service's. */
    public Tenant.Target targetOf(String schema) {
        Optional<String> model = repository.configuredModel(schema);
        if (model.isEmpty()) {
            return new Tenant.Target(serviceTarget.model(), serviceTarget.dimensions());
        }
        ModelSpec spec = registry.find(model.get()).orElseThrow(() -> ProblemException.badRequest("ai_config.embedding_model '"
                + model.get() + "' is not a known model (GET /api/models lists them)"));
        int dims = spec.answersTo(serviceTarget.model()) ? serviceTarget.dimensions() : spec.defaultDimensions();
        if (dims > VectorColumnType.VECTOR.maxIndexedDimensions()) {
            throw ProblemException.badRequest("ai_config.embedding_model " + spec.id() + " makes " + dims
                    + "-dimensional vectors, which need halfvec storage; tenants are moved to vector columns only (at most "
                    + VectorColumnType.VECTOR.maxIndexedDimensions() + " dimensions)");
        }
        return new Tenant.Target(spec.id(), dims);
    }

    /** Every tenant migrated as far as a start goes; a failure is logged on that tenant and the others go on. */
    public Map<String, String> migrateAllAtStart() {
        Map<String, String> outcomes = new java.util.LinkedHashMap<>();
        for (Tenant t : discover()) {
            if (!t.usable()) {
                LOG.warnf("Tenant %s skipped: %s", printable(t.schema()), t.problem());
                outcomes.put(t.schema(), "skipped: " + t.problem());
            } else {
                outcomes.put(t.schema(), ensureMigrated(t) ? "migrated" : "failed");
            }
        }
        return outcomes;
    }

    private boolean ensureMigrated(Tenant t) {
        if (migrated.contains(t.schema())) {
            return true;
        }
        try {
            migrator.migrateAtStart(t.schema());
            migrated.add(t.schema());
            return true;
        } catch (RuntimeException e) {
            LOG.errorf(e, "Migrating tenant %s failed", t.schema());
            return false;
        }
    }

    /** The target of a served tenant as last discovered (a background job's tenant), else read now. */
    public Tenant.Target target(String schema) {
        Tenant.Target known = targets.get(schema);
        return known != null ? known : targetOf(schema);
    }

    private void requireTable() {
        if (!config.enabled()) {
            throw ProblemException.notFound("Tenancy is off: set reembed.tenancy.enabled=true to serve the schemas of companies");
        }
        if (!repository.companiesTableExists()) {
            throw ProblemException.conflict("Tenancy is on (reembed.tenancy.enabled) but there is no companies table on the "
                    + "search_path " + config.sharedSearchPath() + ": create it as docs/tenants.md shows");
        }
    }

    /** A schema name from a request or a row, safe to echo: printable ASCII only, and short. */
    static String printable(String s) {
        String clean = s == null ? "" : s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 80 ? clean.substring(0, 80) + "…" : clean;
    }
}
