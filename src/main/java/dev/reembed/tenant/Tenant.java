package dev.reembed.tenant;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A company of {@code companies} that is processed (active, not deleted), with the model its store
 * moves to. {@code problem}: why it is skipped (no such schema, not an identifier, unknown model),
 * null when it is served.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tenant(String schema, String companyName, String status, Target target, String problem) {

    @RegisterForReflection
    public record Target(String model, int dimensions) {
    }

    public boolean usable() {
        return problem == null;
    }
}
