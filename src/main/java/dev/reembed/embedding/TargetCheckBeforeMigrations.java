package dev.reembed.embedding;

import jakarta.inject.Singleton;

import org.flywaydb.core.api.configuration.FluentConfiguration;

import io.quarkus.flyway.FlywayConfigurationCustomizer;

/**
 * Runs {@link EmbeddingStartupCheck} when Quarkus configures Flyway, which is before
 * migrate-at-start: an impossible target stops the service before any migration uses
 * reembed.target.dimensions. A StartupEvent observer alone would run after the migrations.
 * Changes nothing in the Flyway configuration.
 */
@Singleton
public class TargetCheckBeforeMigrations implements FlywayConfigurationCustomizer {

    private final EmbeddingStartupCheck check;

    public TargetCheckBeforeMigrations(EmbeddingStartupCheck check) {
        this.check = check;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        check.check();
    }
}
