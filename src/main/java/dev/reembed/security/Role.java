package dev.reembed.security;

/** viewer reads; operator does everything. */
public enum Role {
    VIEWER, OPERATOR;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Role fromWire(String s) {
        return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
}
