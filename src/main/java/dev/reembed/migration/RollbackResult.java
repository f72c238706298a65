package dev.reembed.migration;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code POST /api/migration/rollback}. {@code questionsWithoutEmbedding} counts in-scope rows left
 * without a vector: rows created after the change, which the old model never embedded.
 */
@RegisterForReflection
public record RollbackResult(Column column, long restoredEmbeddings, long questionsWithoutEmbedding, List<String> log) {

    @RegisterForReflection
    public record Column(String type, int dimensions) {
    }
}
