package dev.reembed.embedding.call;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The wait a vendor asks for in its headers: {@code retry-after-ms} (milliseconds, sent by some
 * OpenAI-style servers and read first by openai-python) or {@code Retry-After} in seconds (fractions
 * allowed). The HTTP-date form is not read: none of our vendors is known to send it.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /** @param header a header by name (case-insensitive), null when absent */
    public static Optional<Duration> of(Function<String, String> header) {
        Optional<Duration> ms = number(header.apply("retry-after-ms")).map(v -> Duration.ofNanos(Math.round(v * 1e6)));
        return ms.isPresent() ? ms : number(header.apply("retry-after")).map(v -> Duration.ofNanos(Math.round(v * 1e9)));
    }

    private static Optional<Double> number(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            double v = Double.parseDouble(value.trim());
            return Double.isFinite(v) && v >= 0 ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
