package dev.reembed.common;

import java.util.regex.Pattern;

/**
 * The one rule for a name that reembed puts into SQL itself (a tenant's schema, the service's
 * schema, pgvector's schema, a role): an unquoted lower-case PostgreSQL identifier, used quoted.
 */
public final class SqlIdentifier {

    public static final String REGEX = "[a-z_][a-z0-9_]{0,62}";
    private static final Pattern PATTERN = Pattern.compile(REGEX);

    private SqlIdentifier() {
    }

    public static boolean isValid(String name) {
        return name != null && PATTERN.matcher(name).matches();
    }

    /** {@code "name"}; only for a name {@link #isValid} accepts. */
    public static String quote(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("Not an SQL identifier");
        }
        return "\"" + name + "\"";
    }
}
