package dev.reembed.migration;

import java.util.Arrays;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

import dev.reembed.schema.SchemaCatalog;

/**
 * Readiness includes the schema: DOWN while Flyway's history has a failed migration (the schema
 * is in an unknown state). A held schema change (V3 pending) is UP: the service is there to apply it.
 */
@Readiness
@ApplicationScoped
public class MigrationReadinessCheck implements HealthCheck {

    private final Flyway flyway;
    private final SchemaCatalog catalog;

    public MigrationReadinessCheck(Flyway flyway, SchemaCatalog catalog) {
        this.flyway = flyway;
        this.catalog = catalog;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("migration");
        try {
            var info = flyway.info();
            MigrationInfo current = info.current();
            long failed = Arrays.stream(info.all()).filter(i -> i.getState() == MigrationState.FAILED).count();
            long pending = FlywaySetup.latest(flyway).info().pending().length;
            r.withData("currentVersion", current == null || current.getVersion() == null ? "none" : current.getVersion().getVersion())
                    .withData("pending", pending)
                    .withData("failed", failed);
            catalog.embeddingColumn().ifPresent(c -> r.withData("column", c.type()));
            return r.status(failed == 0 && current != null).build();
        } catch (RuntimeException e) {
            return r.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
