package dev.reembed.tenant;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One line of GET /api/tenants. {@code migration} and {@code lastRun} are null for a skipped tenant (see {@code problem}). */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TenantOverview(String schema, String companyName, String status, Tenant.Target target, Migration migration,
        LastRun lastRun, String problem) {

    /** {@code column}: questions.embedding's type, e.g. vector(768). */
    @RegisterForReflection
    public record Migration(String currentVersion, String column) {
    }

    @RegisterForReflection
    public record LastRun(long id, String status, double percent) {
    }
}
