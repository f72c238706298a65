package dev.reembed.tenant;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one rule for a tenant's schema name: an unquoted PostgreSQL identifier (lower case letters,
 * digits, underscores; 63 bytes at most), none of PostgreSQL's own schemas. A name that breaks it is
 * never put into SQL, quoted or not.
 */
public final class TenantNames {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Set<String> RESERVED = Set.of("public", "information_schema");

    private TenantNames() {
    }

    /** Why {@code name} cannot be a tenant's schema, or empty when it can. */
    public static Optional<String> problem(String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            return Optional.of("schema_name is not a valid identifier (lower case letters, digits and _, at most 63, "
                    + "not starting with a digit)");
        }
        if (RESERVED.contains(name) || name.startsWith("pg_") || TenantResource.CROSS_TENANT.contains(name)) {
            return Optional.of("schema_name " + name + " is reserved (public, information_schema, pg_*, and "
                    + String.join(", ", TenantResource.CROSS_TENANT.stream().sorted().toList()) + ", which are paths of /api/tenants)");
        }
        return Optional.empty();
    }

    /** The quoted identifier of a valid identifier (a tenant's schema, the service's own). */
    static String quote(String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a tenant schema name");
        }
        return "\"" + name + "\"";
    }
}
