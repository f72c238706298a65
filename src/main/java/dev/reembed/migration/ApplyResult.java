package dev.reembed.migration;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code POST /api/migration/apply}: what ran, and the seed's summary. */
@RegisterForReflection
public record ApplyResult(List<String> applied, String currentVersion, Summary summary) {

    /** The seed's "MIGRATION COMPLETE - SUMMARY" (soft-deleted rows excluded). */
    @RegisterForReflection
    public record Summary(long total, long withEmbedding, long needingBackfill) {
    }
}
