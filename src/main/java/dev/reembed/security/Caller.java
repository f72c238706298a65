package dev.reembed.security;

/** The key a request came with: its id (null for the bootstrap key before it is stored), prefix, name and role. */
public record Caller(Long keyId, String keyPrefix, String name, Role role) {
}
