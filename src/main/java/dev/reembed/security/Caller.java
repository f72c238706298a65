package dev.reembed.security;

import java.util.List;

/**
 * The key a request came with: its id (null for the bootstrap key before it is stored), prefix, name
 * and role, and the tenants it is limited to (null: not limited).
 */
public record Caller(Long keyId, String keyPrefix, String name, Role role, List<String> tenants) {

    public Caller {
        tenants = tenants == null ? null : List.copyOf(tenants);
    }

    /** Limited to some tenants: no way into the service's own store or its keys. */
    public boolean limited() {
        return tenants != null;
    }

    /** Whether the key reaches {@code schema}'s store. */
    public boolean mayUse(String schema) {
        return tenants == null || tenants.contains(schema);
    }
}
