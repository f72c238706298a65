package dev.reembed.migration;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code GET /api/migration}. */
@RegisterForReflection
public record MigrationStatus(
        String currentVersion,
        List<Applied> applied,
        List<Pending> pending,
        Preflight.Column column,
        Backup backup) {

    @RegisterForReflection
    public record Applied(String version, String description, String type, String state, Instant installedOn) {
    }

    @RegisterForReflection
    public record Pending(String version, String description) {
    }

    @RegisterForReflection
    public record Backup(String table, boolean present, long rows) {
    }
}
