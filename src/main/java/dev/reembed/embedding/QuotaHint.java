package dev.reembed.embedding;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a vendor says about its quota on an answer (OpenAI's {@code x-ratelimit-*} headers): the
 * limits, what is left of them and when they reset. Every part is optional; a vendor that says
 * nothing (Gemini, Voyage, Bedrock) gives {@link #NONE} and the limiter finds the quota itself.
 */
public record QuotaHint(OptionalLong limitRequests, OptionalLong limitTokens, OptionalLong remainingRequests,
        OptionalLong remainingTokens, Optional<Duration> resetRequests, Optional<Duration> resetTokens) {

    public static final QuotaHint NONE = new QuotaHint(OptionalLong.empty(), OptionalLong.empty(),
            OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), Optional.empty());

    /** How long until a budget that is used up comes back, when one is. */
    public Optional<Duration> exhaustedFor() {
        Duration wait = null;
        if (remainingRequests.isPresent() && remainingRequests.getAsLong() <= 0 && resetRequests.isPresent()) {
            wait = resetRequests.get();
        }
        if (remainingTokens.isPresent() && remainingTokens.getAsLong() <= 0 && resetTokens.isPresent()) {
            wait = wait == null || resetTokens.get().compareTo(wait) > 0 ? resetTokens.get() : wait;
        }
        return Optional.ofNullable(wait);
    }

    public boolean isEmpty() {
        return limitRequests.isEmpty() && limitTokens.isEmpty() && exhaustedFor().isEmpty();
    }
}
