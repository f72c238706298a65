package dev.reembed.online;

/**
 * POST /api/migration/online. {@code storage}: VECTOR or HALFVEC (default: HALFVEC above 2,000
 * dimensions); {@code autoCutover}: switch as soon as the shadow column is READY and verified.
 */
public record OnlineMigrationRequest(String model, Integer dimensions, String storage, Boolean autoCutover, Integer batchSize,
        Integer concurrency) {
}
