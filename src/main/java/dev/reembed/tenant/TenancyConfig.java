package dev.reembed.tenant;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Tenants ({@code reembed.tenancy.*}, docs/tenants.md): one schema per company of {@code public.companies}. */
@ConfigMapping(prefix = "reembed.tenancy")
public interface TenancyConfig {

    /** Off (the default): the service knows one store, its connection's search_path, exactly as without tenants. */
    @WithDefault("false")
    boolean enabled();

    /**
     * What follows a tenant's schema on its search_path (and the service's own): where pgvector's
     * types and {@code companies} live. No table of reembed's may be there (checked at start-up):
     * an object a tenant lacks would be found there instead.
     */
    @WithDefault("public")
    String sharedSearchPath();

    /** {@link #sharedSearchPath()}'s schemas, in order, unquoted. */
    default List<String> sharedSchemas() {
        return Arrays.stream(sharedSearchPath().split(",")).map(s -> s.strip().replace("\"", "")).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * With tenants on, the service's own store (its API keys and audit, and a store of its own
     * like any tenant's) lives in this schema, off the tenants' search_path. Flyway creates it.
     */
    @WithDefault("reembed")
    String serviceSchema();

    /**
     * Backfill workers shared by all tenants in each replica: they take the tenants' batches in
     * turn, so the pool and the provider's quota are shared, not multiplied by the tenants.
     */
    @WithDefault("4")
    @Min(1)
    @Max(64)
    int workers();

    /**
     * A tenant's database role is this prefix and its schema name (acme, or e.g. app_acme): the role
     * the row-level security of the tenant's question tables lets read them. Lower case, digits, _.
     */
    Optional<String> rolePrefix();

        /** How long the background work (backfills, their sweeps) goes on with the tenants it last read. */
    @WithDefault("10s")
    Duration discoveryInterval();
}
