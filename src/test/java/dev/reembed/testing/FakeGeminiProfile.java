package dev.reembed.testing;

import java.util.List;
import java.util.Map;

import dev.reembed.embedding.gemini.FakeGeminiResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Backfills against the fake Gemini API in a scratch database at the target schema. One profile is
 * one boot: the classes that use it share the application, the database and the fake, so each
 * starts its tests from {@link BackfillState#clear}.
 */
public class FakeGeminiProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                // fast polling and backoff, no scheduled sweep (tests call it), no client-side quota in the way
                Map.entry("reembed.backfill.poll-interval", "0.2s"),
                Map.entry("reembed.backfill.retry-backoff", "50ms"),
                Map.entry("reembed.backfill.sweep.enabled", "false"),
                Map.entry("reembed.embedding.requests-per-minute", "1000000"),
                Map.entry("reembed.embedding.tokens-per-minute", "1000000000"),
                Map.entry("reembed.embedding.initial-backoff", "50ms"),
                Map.entry("reembed.embedding.max-backoff", "500ms"),
                // an outage pauses a run within a test's patience; a call is retried 3 times (BackfillTest counts them)
                Map.entry("reembed.backfill.outage-pause-after", "3s"),
                Map.entry("reembed.embedding.max-retries", "3"),
                // a short lease, renewed often: a call of 4 s outlasts it and keeps its rows only by renewal
                Map.entry("reembed.backfill.lease-duration", "3s"),
                Map.entry("reembed.backfill.lease-renewal", "500ms"),
                Map.entry("reembed.gemini.read-timeout", "10s")); // > the hold of a gated call
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(ScratchDatabaseResource.class), new TestResourceEntry(FakeGeminiResource.class));
    }
}
