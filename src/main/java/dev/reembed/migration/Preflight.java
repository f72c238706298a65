package dev.reembed.migration;

import java.util.List;

import dev.reembed.common.Check;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code GET /api/migration/preflight}: ready only when no check FAILs. */
@RegisterForReflection
public record Preflight(
        boolean ready,
        List<Check> checks,
        Questions questions,
        Column column,
        Index index,
        Versions versions,
        Target target,
        List<String> pending) {

    @RegisterForReflection
    public record Questions(long total, long withEmbedding, long withoutEmbedding) {
    }

    @RegisterForReflection
    public record Column(String type, Integer dimensions) {
    }

    @RegisterForReflection
    public record Index(String name, boolean present, Boolean valid, String method) {
    }

    @RegisterForReflection
    public record Versions(String postgresql, String pgvector) {
    }

    @RegisterForReflection
    public record Target(String model, int dimensions) {
    }
}
