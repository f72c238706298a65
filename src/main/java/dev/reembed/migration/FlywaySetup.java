package dev.reembed.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Singleton;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import dev.reembed.common.SqlIdentifier;
import dev.reembed.embedding.TargetConfig;
import dev.reembed.embedding.VectorColumnType;
import dev.reembed.tenant.TenancyConfig;
import io.quarkus.flyway.FlywayConfigurationCustomizer;

/**
 * Completes the Flyway that Quarkus configures from quarkus.flyway.*: reembed's Java migrations
 * (registered here, so nothing is found by classpath scanning: native-friendly) and the start-up
 * target from {@code reembed.migration.start-target}. When the target is stored as halfvec, Flyway
 * never runs V3 (it makes vector(N), frozen): the target stops below it, and {@link EmbeddingChange}
 * makes the change instead (at start-up through {@link EmbeddingChangeAtStart}, or on apply).
 */
@Singleton
public class FlywaySetup implements FlywayConfigurationCustomizer {

    static final MigrationVersion V3 = MigrationVersion.fromVersion("3");

    private final MigrationConfig config;
    private final TargetConfig target;
    private final TenancyConfig tenancy;

    public FlywaySetup(MigrationConfig config, TargetConfig target, TenancyConfig tenancy) {
        this.config = config;
        this.target = target;
        this.tenancy = tenancy;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        if (2 * config.hnsw().m() > config.hnsw().efConstruction()) {
            // pgvector refuses it too, but only deep inside V3; say it before anything runs.
            throw new IllegalArgumentException("reembed.migration.hnsw.ef-construction (" + config.hnsw().efConstruction()
                    + ") must be at least twice reembed.migration.hnsw.m (" + config.hnsw().m() + ")");
        }
        configuration.javaMigrations(new V1__Enable_pgvector());
        if (tenancy.enabled()) {
            if (!SqlIdentifier.isValid(tenancy.serviceSchema())) {
                throw new IllegalArgumentException("reembed.tenancy.service-schema (" + tenancy.serviceSchema()
                        + ") must be a lower-case identifier");
            }
            // the service's own store off the tenants' search_path (TenancyConfig.serviceSchema)
            configuration.schemas(tenancy.serviceSchema()).defaultSchema(tenancy.serviceSchema());
            String pgvectorSchema = configuration.getPlaceholders().get(V1__Enable_pgvector.SCHEMA_PLACEHOLDER);
            if (pgvectorSchema == null || pgvectorSchema.isBlank()) {
                // pgvector's types must resolve from every tenant: on the shared path, not in the service's schema
                Map<String, String> placeholders = new HashMap<>(configuration.getPlaceholders());
                placeholders.put(V1__Enable_pgvector.SCHEMA_PLACEHOLDER, tenancy.sharedSchemas().get(0));
                configuration.placeholders(placeholders);
            }
        }
        adoptOnlyOwnTables(configuration, tenancy.enabled() ? tenancy.serviceSchema() : null);
        String start = config.startTarget();
        MigrationVersion startTarget = start.matches("\\d+") ? highestOfMajor(configuration, start) : startTarget(start);
        if (holdsBackV3(target.storageType()) && includes(startTarget, V3)) {
            startTarget = highestOfMajor(configuration, "2");
        }
        configuration.target(startTarget);
    }

    /** Whether the start-up target asks for the schema change (V3). */
    public static boolean startTargetIncludesV3(String startTarget) {
        return "latest".equalsIgnoreCase(startTarget) || includes(MigrationVersion.fromVersion(startTarget), V3);
    }

    /** Whether Flyway must stop before V3 for this storage: V3 makes vector(N) only. */
    static boolean holdsBackV3(VectorColumnType storage) {
        return storage == VectorColumnType.HALFVEC;
    }

    private static boolean includes(MigrationVersion target, MigrationVersion version) {
        return MigrationVersion.LATEST.equals(target) || target.compareTo(version) >= 0;
    }

    /**
     * What apply runs: {@link #latest}, or when {@link EmbeddingChange} makes the change in V3's
     * place (a halfvec target, a tenant's store) everything up to the highest 2.x.
     */
    static Flyway forApply(Flyway flyway, boolean changeRunsInsteadOfV3) {
        if (!changeRunsInsteadOfV3) {
            return latest(flyway);
        }
        var configuration = Flyway.configure(flyway.getConfiguration().getClassLoader()).configuration(flyway.getConfiguration());
        return configuration.target(highestOfMajor(configuration, "2")).load();
    }

    /**
     * The application's Flyway for a tenant's schema: its history table there, the tenant's target
     * dimension, the start-up target as configured but below V3 (there {@link EmbeddingChange}
     * makes V3's change); the schema must exist.
     */
    public static Flyway forSchema(Flyway flyway, String schema, int targetDimensions) {
        Map<String, String> placeholders = new HashMap<>(flyway.getConfiguration().getPlaceholders());
        placeholders.put("target_dimensions", Integer.toString(targetDimensions));
        FluentConfiguration configuration = Flyway.configure(flyway.getConfiguration().getClassLoader())
                .configuration(flyway.getConfiguration())
                .schemas(schema)
                .defaultSchema(schema)
                .createSchemas(false)
                .placeholders(placeholders);
        if (includes(configuration.getTarget(), V3)) {
            configuration.target(highestOfMajor(configuration, "2")); // EmbeddingChange makes V3's change in a tenant
        }
        adoptOnlyOwnTables(configuration, schema);
        return configuration.load();
    }

    /**
     * Flyway adopts a non-empty schema without a history table at the baseline version (2: the
     * seed's tables were made outside Flyway). A schema that holds only other tables (the shared
     * schema with {@code companies}, a tenant's with its own) has none of reembed's yet: it is
     * adopted below V1 instead, so that every migration runs there.
     */
    private static void adoptOnlyOwnTables(FluentConfiguration configuration, String schema) {
        DataSource dataSource = configuration.getDataSource();
        if (dataSource == null) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select to_regclass(?) is not null")) {
            ps.setString(1, schema == null ? "questions" : SqlIdentifier.quote(schema) + ".questions");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    configuration.baselineVersion(MigrationVersion.fromVersion("0"));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read whether the schema holds questions: " + e.getMessage(), e);
        }
    }

    /** The application's Flyway with the start-up target lifted: what apply runs and what is pending. */
    static Flyway latest(Flyway flyway) {
        return Flyway.configure(flyway.getConfiguration().getClassLoader())
                .configuration(flyway.getConfiguration())
                .target(MigrationVersion.LATEST)
                .load();
    }

    static MigrationVersion startTarget(String value) {
        return "latest".equalsIgnoreCase(value) ? MigrationVersion.LATEST : MigrationVersion.fromVersion(value);
    }

    /**
     * A bare major version N means "N and its N.x migrations": 2 holds the embedding change (V3)
     * while the backfill state (2.1) and the API keys (2.2), which operators need to call apply,
     * are created. Flyway wants a target that exists, so the highest resolved N.x is looked up.
     */
    static MigrationVersion highestOfMajor(FluentConfiguration configuration, String major) {
        MigrationVersion best = MigrationVersion.fromVersion(major);
        MigrationInfo[] all = Flyway.configure(configuration.getClassLoader()).configuration(configuration)
                .target(MigrationVersion.LATEST).load().info().all();
        for (MigrationInfo info : all) {
            MigrationVersion v = info.getVersion();
            if (v != null && major.equals(v.getMajorAsString()) && v.compareTo(best) > 0) {
                best = v;
            }
        }
        return best;
    }
}
