package dev.reembed.security;

import java.util.Optional;

import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;

/** API keys ({@code reembed.security.*}); defaults in application.properties. */
@ConfigMapping(prefix = "reembed.security")
public interface SecurityConfig {

    /**
     * An operator key given at deployment ({@code REEMBED_BOOTSTRAP_OPERATOR_KEY}), stored hashed at
     * start-up; the way to create the first keys. Never logged.
     */
    Optional<String> bootstrapOperatorKey();

    /** Requests per minute one key may make (429 beyond). */
    @Min(1)
    int requestsPerMinute();
}
