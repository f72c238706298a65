package dev.reembed.tenant;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.migration.EmbeddingChange;
import dev.reembed.migration.FlywaySetup;
import dev.reembed.migration.MigrationConfig;
import dev.reembed.migration.StoreFlyway;

/**
 * Flyway for one tenant schema, done in code: Quarkus' Flyway extension migrates one set of schemas.
 * The same migrations and start-up target as the service's own store (so version 2 holds V3 until
 * apply, as a production start does); Flyway's own lock on the history table keeps two replicas
 * starting together from migrating a schema at once. Then row-level security on its question tables
 * (db/sql/tenant_row_security.sql), which a tenant's own store has and the service's does not.
 */
@ApplicationScoped
public class TenantMigrator {

    private static final Logger LOG = Logger.getLogger(TenantMigrator.class);

    private final StoreFlyway flyways;
    private final EmbeddingChange change;
    private final MigrationConfig config;
    private final TenantRepository repository;
    private final TenancyConfig tenancy;

    public TenantMigrator(StoreFlyway flyways, EmbeddingChange change, MigrationConfig config, TenantRepository repository,
            TenancyConfig tenancy) {
        this.flyways = flyways;
        this.change = change;
        this.config = config;
        this.repository = repository;
        this.tenancy = tenancy;
    }

    void migrateAtStart(String schema) {
        TenantContext.run(schema, () -> {
            var result = flyways.current().migrate();
            if (result.migrationsExecuted > 0) {
                LOG.infof("Tenant %s migrated to version %s (%d migrations)", schema, result.targetSchemaVersion,
                        result.migrationsExecuted);
            }
            repository.enableRowSecurity(tenancy.rolePrefix().orElse("") + schema);
            // Flyway stops below V3 in a tenant: a start-up target that includes it gets the change here.
            if (FlywaySetup.startTargetIncludesV3(config.startTarget()) && change.applyIfPending().ran()) {
                LOG.infof("Tenant %s: embedding schema change applied at start-up", schema);
            }
        });
    }
}
