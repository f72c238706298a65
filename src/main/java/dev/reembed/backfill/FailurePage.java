package dev.reembed.backfill;

import java.time.OffsetDateTime;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code GET /api/backfills/{id}/failures}: {@code next} is the {@code after} of the next page, null at the end. */
@RegisterForReflection
public record FailurePage(List<Item> items, Long next) {

    @RegisterForReflection
    public record Item(long questionId, int attempts, String errorCode, String error, OffsetDateTime lastAttemptAt) {
    }
}
