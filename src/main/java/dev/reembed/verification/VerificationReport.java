package dev.reembed.verification;

import java.util.List;

import dev.reembed.common.Check;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code GET /api/verification}: FAIL when any check fails; {@code column} the vector column it checked. */
@RegisterForReflection
public record VerificationReport(Check.Status status, String model, int dimensions, int sample, List<Check> checks, String column) {
}
