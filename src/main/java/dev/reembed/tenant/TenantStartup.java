package dev.reembed.tenant;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/** With tenants on, every tenant schema is migrated at start-up as the service's own store is (after it). */
@ApplicationScoped
public class TenantStartup {

    private static final Logger LOG = Logger.getLogger(TenantStartup.class);

    /** Relations of every store: found on the shared path, a tenant lacking one would read them there. */
    private static final List<String> STORE_TABLES = List.of("questions", "solutions", "questions_embedding_backup",
            "flyway_schema_history", "backfill_runs", "backfill_items", "api_keys");

    void onStart(@Observes StartupEvent event, TenantService tenants, TenantRepository repository, TenancyConfig config) {
        if (!tenants.enabled()) {
            return;
        }
        List<String> misplaced = repository.tablesIn(config.sharedSchemas(), STORE_TABLES);
        if (!misplaced.isEmpty()) {
            throw new IllegalStateException("Tenancy is on but " + misplaced + " are on the shared search_path ("
                    + config.sharedSearchPath() + "): a tenant's statement would reach them. Move the service's own store "
                    + "into reembed.tenancy.service-schema (" + config.serviceSchema() + ") first (docs/tenants.md)");
        }
        LOG.infof("Tenants at start-up: %s", tenants.migrateAllAtStart());
    }
}
