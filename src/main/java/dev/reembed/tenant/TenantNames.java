package dev.reembed.tenant;

import java.util.Optional;
import java.util.Set;

import dev.reembed.common.SqlIdentifier;

/**
 * The rule for a tenant's schema name: an {@link SqlIdentifier}, none of PostgreSQL's own schemas
 * nor a path of /api/tenants. A name that breaks it is never put into SQL, quoted or not.
 */
public final class TenantNames {

    private static final Set<String> RESERVED = Set.of("public", "information_schema");

    private TenantNames() {
    }

    /** Why {@code name} cannot be a tenant's schema, or empty when it can. */
    public static Optional<String> problem(String name) {
        if (!SqlIdentifier.isValid(name)) {
            return Optional.of("schema_name is not a valid identifier (lower case letters, digits and _, at most 63, "
                    + "not starting with a digit)");
        }
        if (RESERVED.contains(name) || name.startsWith("pg_") || TenantResource.CROSS_TENANT.contains(name)) {
            return Optional.of("schema_name " + name + " is reserved (public, information_schema, pg_*, and "
                    + String.join(", ", TenantResource.CROSS_TENANT.stream().sorted().toList()) + ", which are paths of /api/tenants)");
        }
        return Optional.empty();
    }
}
