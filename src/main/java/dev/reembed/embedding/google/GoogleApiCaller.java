package dev.reembed.embedding.google;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import jakarta.ws.rs.ProcessingException;

import org.jboss.logging.Logger;

import dev.reembed.embedding.Backoff;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.ProviderCallListener;
import dev.reembed.embedding.ProviderCallListener.Outcome;
import dev.reembed.embedding.Sleeper;

/**
 * Sends one Google API request through the rate limiter, retrying what is worth retrying, and
 * turns every failure into an {@link EmbeddingException}.
 *
 * <p>Hand-written rather than MicroProfile Fault Tolerance {@code @Retry}: the wait after a 429 is
 * chosen by the server ({@code RetryInfo.retryDelay}), per-day quota 429s must not be retried at
 * all, and the waits must go through an injectable {@link Sleeper} for deterministic tests; none
 * of which {@code @Retry} can express.
 *
 * <ul>
 * <li>429 with a per-day QuotaFailure: DAILY_QUOTA_EXHAUSTED at once.</li>
 * <li>429: wait RetryInfo.retryDelay (else exponential backoff with full jitter), up to maxRetries.</li>
 * <li>500/502/503/504, connection failures, timeouts: backoff, up to maxRetries.</li>
 * <li>400: INVALID_ARGUMENT with the batch's item indexes, no retry. 401/403 or API_KEY_INVALID: fail fast.</li>
 * </ul>
 */
public class GoogleApiCaller {

    private static final Logger LOG = Logger.getLogger(GoogleApiCaller.class);

    private final EmbeddingRateLimiter limiter;
    private final Sleeper sleeper;
    private final int maxRetries;
    private final Backoff backoff;
    private final Duration maxRetryDelay;
    private final String secret;
    private final ProviderCallListener listener;

    /**
     * @param secret a credential that must never appear in a message (API key); may be null
     * @param jitter random source for backoff jitter, returns a value in [0, Long.MAX_VALUE); null for random
     */
    public GoogleApiCaller(EmbeddingRateLimiter limiter, Sleeper sleeper, int maxRetries, Duration initialBackoff,
            Duration maxBackoff, Duration maxRetryDelay, LongSupplier jitter, String secret) {
        this(limiter, sleeper, maxRetries, initialBackoff, maxBackoff, maxRetryDelay, jitter, secret, outcome -> {
        });
    }

    /** @param listener told the outcome of every request sent, retries included (metrics, run history) */
    public GoogleApiCaller(EmbeddingRateLimiter limiter, Sleeper sleeper, int maxRetries, Duration initialBackoff,
            Duration maxBackoff, Duration maxRetryDelay, LongSupplier jitter, String secret, ProviderCallListener listener) {
        this.listener = listener;
        this.limiter = limiter;
        this.sleeper = sleeper;
        this.maxRetries = maxRetries;
        this.backoff = new Backoff(initialBackoff, maxBackoff, jitter);
        this.maxRetryDelay = maxRetryDelay;
        this.secret = secret;
    }

    /**
     * @param what        for messages, e.g. "batchEmbedContents (items 0-99)"
     * @param tokens      the request's estimated tokens, for the limiter
     * @param itemIndexes the request's items, attached to a non-retryable failure
     */
    public <T> T call(String what, long tokens, List<Integer> itemIndexes, Supplier<T> request) {
        for (int attempt = 0; ; attempt++) {
            boolean sent = false;
            try {
                limiter.acquire(tokens);
                sent = true;
                T answer = request.get();
                listener.called(Outcome.OK);
                return answer;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddingException(Code.UNAVAILABLE, what + " interrupted", null, itemIndexes, null);
            } catch (GoogleHttpException e) {
                listener.called(e.status() == 429 ? Outcome.RATE_LIMITED : Outcome.ERROR);
                Duration wait = onHttpError(what, e, attempt, itemIndexes);
                pause(what, wait, itemIndexes);
            } catch (ProcessingException e) {
                listener.called(Outcome.ERROR);
                boolean timeout = isTimeout(e);
                if (attempt >= maxRetries) {
                    throw new EmbeddingException(timeout ? Code.TIMEOUT : Code.UNAVAILABLE,
                            what + (timeout ? " timed out" : " failed: " + redact(rootMessage(e)))
                                    + " after " + (attempt + 1) + " attempt(s)",
                            null, itemIndexes, null);
                }
                Duration wait = backoff(attempt);
                LOG.warnf("%s %s; retry %d/%d in %d ms", what, timeout ? "timed out" : "failed to connect",
                        attempt + 1, maxRetries, wait.toMillis());
                pause(what, wait, itemIndexes);
            } catch (RuntimeException e) {
                if (sent) {
                    listener.called(Outcome.ERROR); // e.g. an answer that cannot be read, a client closed at shutdown
                }
                throw e;
            }
        }
    }

    /** Throws for what is not retried; returns the wait before the next attempt otherwise. */
    private Duration onHttpError(String what, GoogleHttpException e, int attempt, List<Integer> items) {
        GoogleApiError error = GoogleApiError.parse(e.status(), e.body());
        int status = e.status();
        String said = describe(error);
        if (status == 401 || error.apiKeyInvalid() || "UNAUTHENTICATED".equals(error.status())) {
            throw new EmbeddingException(Code.UNAUTHENTICATED,
                    what + " was refused: the credentials are missing or invalid (" + said + ")", null, items, null);
        }
        if (status == 403) {
            throw new EmbeddingException(Code.PERMISSION_DENIED,
                    what + " was refused: the credentials may not use this model (" + said + ")", null, items, null);
        }
        if (status == 429) {
            if (error.perDayQuota()) {
                throw new EmbeddingException(Code.DAILY_QUOTA_EXHAUSTED,
                        what + ": a per-day quota is exhausted (" + String.join(", ", error.quotaIds())
                                + "); nothing more can be embedded until it resets",
                        error.retryDelay().orElse(null), items, null);
            }
            Duration wait = error.retryDelay().orElseGet(() -> backoff(attempt));
            if (attempt >= maxRetries || wait.compareTo(maxRetryDelay) > 0) {
                throw new EmbeddingException(Code.RATE_LIMITED,
                        what + " is rate limited after " + (attempt + 1) + " attempt(s) (" + said + ")",
                        wait, items, null);
            }
            LOG.warnf("%s rate limited (429); retry %d/%d in %d ms%s", what, attempt + 1, maxRetries,
                    wait.toMillis(), error.retryDelay().isPresent() ? " as RetryInfo asks" : "");
            return wait;
        }
        if (status == 500 || status == 502 || status == 503 || status == 504) {
            if (attempt >= maxRetries) {
                throw new EmbeddingException(status == 504 ? Code.TIMEOUT : Code.UNAVAILABLE,
                        what + " failed after " + (attempt + 1) + " attempt(s) (" + said + ")", null, items, null);
            }
            Duration wait = backoff(attempt);
            LOG.warnf("%s got HTTP %d; retry %d/%d in %d ms", what, status, attempt + 1, maxRetries, wait.toMillis());
            return wait;
        }
        // 400 INVALID_ARGUMENT, 404, and anything else: the same request would fail again.
        throw new EmbeddingException(Code.INVALID_ARGUMENT, what + " was rejected (" + said + ")", null, items, null);
    }

    private void pause(String what, Duration wait, List<Integer> items) {
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException(Code.UNAVAILABLE, what + " interrupted", null, items, null);
        }
    }

    /** The wait before retry {@code attempt + 1} when the server does not say ({@link Backoff}). */
    Duration backoff(int attempt) {
        return backoff.delay(attempt);
    }

    private String describe(GoogleApiError error) {
        StringBuilder s = new StringBuilder("HTTP ").append(error.code());
        if (!error.status().isEmpty()) {
            s.append(' ').append(error.status());
        }
        if (!error.message().isEmpty()) {
            s.append(": ").append(error.message());
        }
        return redact(s.toString());
    }

    /** The API never echoes the key today; this keeps it so if that changes. */
    private String redact(String text) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        return text.replace(secret, "***");
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException
                    || name.contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
