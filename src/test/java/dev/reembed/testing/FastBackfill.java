package dev.reembed.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * Configuration for tests that run backfills against the fake Gemini API: fast polling and
 * backoff, no scheduled sweep (tests call it), and no client-side quota in the way.
 */
public final class FastBackfill {

    private FastBackfill() {
    }

    /** The common overrides, plus a test's own (which win). */
    public static Map<String, String> config(Map<String, String> own) {
        Map<String, String> config = new HashMap<>(Map.of(
                "reembed.backfill.poll-interval", "0.2s",
                "reembed.backfill.retry-backoff", "50ms",
                "reembed.backfill.sweep.enabled", "false",
                "reembed.embedding.requests-per-minute", "1000000",
                "reembed.embedding.tokens-per-minute", "1000000000",
                "reembed.embedding.initial-backoff", "50ms"));
        config.putAll(own);
        return config;
    }
}
