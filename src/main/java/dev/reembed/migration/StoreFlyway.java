package dev.reembed.migration;

import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.Flyway;

import dev.reembed.tenant.StoreTarget;
import dev.reembed.tenant.TenantContext;

/**
 * The Flyway of the current store: the application's (Quarkus configures it from quarkus.flyway.*)
 * or, inside a tenant's context, the same migrations in the tenant's schema with its target.
 */
@ApplicationScoped
public class StoreFlyway {

    private final Flyway application;
    private final StoreTarget target;

    public StoreFlyway(Flyway application, StoreTarget target) {
        this.application = application;
        this.target = target;
    }

    public Flyway current() {
        return TenantContext.current().map(s -> FlywaySetup.forSchema(application, s, target.dimensions())).orElse(application);
    }
}
