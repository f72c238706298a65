package dev.reembed.migration;

import jakarta.inject.Singleton;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import dev.reembed.embedding.TargetConfig;
import dev.reembed.embedding.VectorColumnType;
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

    public FlywaySetup(MigrationConfig config, TargetConfig target) {
        this.config = config;
        this.target = target;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        if (2 * config.hnsw().m() > config.hnsw().efConstruction()) {
            // pgvector refuses it too, but only deep inside V3; say it before anything runs.
            throw new IllegalArgumentException("reembed.migration.hnsw.ef-construction (" + config.hnsw().efConstruction()
                    + ") must be at least twice reembed.migration.hnsw.m (" + config.hnsw().m() + ")");
        }
        configuration.javaMigrations(new V1__Enable_pgvector());
        String start = config.startTarget();
        MigrationVersion startTarget = start.matches("\\d+") ? highestOfMajor(configuration, start) : startTarget(start);
        if (holdsBackV3(target.storageType()) && includes(startTarget, V3)) {
            startTarget = highestOfMajor(configuration, "2");
        }
        configuration.target(startTarget);
    }

    /** Whether the start-up target asks for the schema change (V3). */
    static boolean startTargetIncludesV3(String startTarget) {
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
     * What apply runs: {@link #latest}, or for a halfvec target everything up to the highest 2.x,
     * since {@link EmbeddingChange} makes the change in V3's place.
     */
    static Flyway forApply(Flyway flyway, VectorColumnType storage) {
        if (!holdsBackV3(storage)) {
            return latest(flyway);
        }
        var configuration = Flyway.configure(flyway.getConfiguration().getClassLoader()).configuration(flyway.getConfiguration());
        return configuration.target(highestOfMajor(configuration, "2")).load();
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
