package dev.reembed.migration;

import jakarta.inject.Singleton;

import org.flywaydb.core.api.configuration.FluentConfiguration;

import io.quarkus.flyway.FlywayConfigurationCustomizer;

/** Adds reembed's Java migrations to the Flyway that Quarkus configures from quarkus.flyway.*. */
@Singleton
public class FlywaySetup implements FlywayConfigurationCustomizer {

    @Override
    public void customize(FluentConfiguration configuration) {
        configuration.javaMigrations(new V1__Enable_pgvector());
    }
}
