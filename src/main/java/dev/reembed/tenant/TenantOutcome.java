package dev.reembed.tenant;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a call across tenants did in one of them. {@code outcome}: DONE (with the call's own answer in
 * {@code result}), FAILED (with the problem's {@code status} and {@code detail}) or SKIPPED (the tenant
 * cannot be served: {@code detail} says why).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TenantOutcome(String schema, String outcome, Integer status, String detail, Object result) {

    static TenantOutcome done(String schema, Object result) {
        return new TenantOutcome(schema, "DONE", null, null, result);
    }

    static TenantOutcome failed(String schema, int status, String detail) {
        return new TenantOutcome(schema, "FAILED", status, detail, null);
    }

    static TenantOutcome skipped(String schema, String detail) {
        return new TenantOutcome(schema, "SKIPPED", null, detail, null);
    }
}
