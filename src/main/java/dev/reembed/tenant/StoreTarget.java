package dev.reembed.tenant;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.reembed.embedding.TargetConfig;
import dev.reembed.embedding.VectorColumnType;

/**
 * The model the current store moves to: {@code reembed.target.*} for the service's own store, the
 * tenant's (its ai_config, through the registry) inside a tenant's {@link TenantContext}. Everything
 * that acts on a store (apply, preflight, backfill, sweep, verification) reads its target here.
 */
@ApplicationScoped
public class StoreTarget {

    private final TargetConfig config;
    private final TenantService tenants;

    public StoreTarget(TargetConfig config, TenantService tenants) {
        this.config = config;
        this.tenants = tenants;
    }

    public String model() {
        return tenant().map(Tenant.Target::model).orElseGet(config::model);
    }

    public int dimensions() {
        return tenant().map(Tenant.Target::dimensions).orElseGet(config::dimensions);
    }

    /** The storage setting as configured; a tenant's is AUTO. */
    public String storage() {
        return tenant().isPresent() ? "AUTO" : config.storage();
    }

    public VectorColumnType storageType() {
        return tenant().map(t -> VectorColumnType.resolve("AUTO", t.dimensions())).orElseGet(config::storageType);
    }

    private Optional<Tenant.Target> tenant() {
        return tenants.enabled() ? TenantContext.current().map(tenants::target) : Optional.empty();
    }
}
