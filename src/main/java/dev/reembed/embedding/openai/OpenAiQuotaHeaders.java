package dev.reembed.embedding.openai;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.reembed.embedding.QuotaHint;

/**
 * OpenAI's rate-limit headers (developers.openai.com/api/docs/guides/rate-limits), sent on 200s
 * and 429s alike: {@code x-ratelimit-limit-requests|tokens}, {@code x-ratelimit-remaining-requests|tokens}
 * and {@code x-ratelimit-reset-requests|tokens}, the last two Go durations such as {@code 12ms},
 * {@code 1s}, {@code 6m0s}. One reader for the successful answers (to the limiter) and the refused ones
 * (to {@link OpenAiErrors}).
 */
public final class OpenAiQuotaHeaders {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|µs|ns)");

    private OpenAiQuotaHeaders() {
    }

    /** @param header a header by name (case-insensitive), null when absent */
    public static QuotaHint read(Function<String, String> header) {
        return new QuotaHint(number(header.apply("x-ratelimit-limit-requests")),
                number(header.apply("x-ratelimit-limit-tokens")),
                number(header.apply("x-ratelimit-remaining-requests")),
                number(header.apply("x-ratelimit-remaining-tokens")),
                duration(header.apply("x-ratelimit-reset-requests")),
                duration(header.apply("x-ratelimit-reset-tokens")));
    }

    /** A Go duration ({@code time.Duration.String()}: {@code 1h2m3.5s}, {@code 250ms}); empty when it is not one. */
    public static Optional<Duration> duration(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String s = value.trim();
        Matcher m = PART.matcher(s);
        double nanos = 0;
        int at = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            nanos += v * switch (m.group(2)) {
                case "h" -> 3.6e12;
                case "m" -> 6e10;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "µs" -> 1e3;
                default -> 1;
            };
            at = m.end();
        }
        return at == s.length() && at > 0 ? Optional.of(Duration.ofNanos(Math.round(nanos))) : Optional.empty();
    }

    private static OptionalLong number(String value) {
        if (value == null || value.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
