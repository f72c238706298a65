package dev.reembed.testing.fake;

import java.util.Map;

/**
 * What the provider suite needs of a vendor's fake (Gemini, OpenAI, Voyage, Bedrock): each fake
 * speaks its vendor's own request and error shapes, and this is the part they have in common, so
 * one suite runs against every provider (see the provider suite in dev.reembed.embedding).
 */
public interface ProviderFake extends AutoCloseable {

    /** A text containing this is refused as the vendor refuses a bad input (its own 400 shape). */
    String INVALID_MARKER = "<<refuse-me>>";

    /**
     * The service configuration that points reembed at this fake: provider, endpoint, credentials,
     * target model and dimensions.
     */
    Map<String, String> serviceConfig();

    /** The next {@code requests} requests get the vendor's rate-limit answer (429 or its throttling error, with its headers). */
    void rateLimitNext(int requests);

    /** The next {@code requests} requests get a server error of this status in the vendor's shape. */
    void failNext(int status, int requests);

    /** Every request fails with this status until {@code down(null)}. */
    void down(Integer status);

    /** Every answer takes at least this long. */
    void latency(long millis);

    /** How many times each text was embedded successfully (answered with a vector). */
    Map<String, Integer> embeddedTexts();

    /** How many error answers of each HTTP status were sent. */
    Map<Integer, Long> errorsServed();

    /** Requests answered with vectors. */
    long successfulRequests();

    /** Forgets queued faults, outages, latency and what was recorded. */
    void reset();

    @Override
    void close();
}
