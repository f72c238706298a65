package dev.reembed.embedding.call;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.reembed.embedding.Backoff;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.ProviderCallListener;
import dev.reembed.embedding.ProviderCallListener.Outcome;
import dev.reembed.embedding.QuotaHint;
import dev.reembed.embedding.Sleeper;

/**
 * Sends one request to an embedding vendor through the shared rate limiter, retrying what is worth
 * retrying, and turns every failure into an {@link EmbeddingException}. What a failure means is the
 * vendor's {@link VendorErrors}; what is done about it is decided here, once, for every vendor.
 *
 * <p>Hand-written rather than MicroProfile Fault Tolerance {@code @Retry} or the AWS SDK's own
 * retries: the wait after a 429 is chosen by the server (RetryInfo, Retry-After), some 429s must not
 * be retried at all (a per-day quota, an exhausted balance), every 429 must slow the shared limiter,
 * and the waits must go through an injectable {@link Sleeper} for deterministic tests.
 *
 * <ul>
 * <li>Retried ({@link Failure#retry()}): wait the vendor's retryAfter, else exponential backoff with
 * full jitter, up to maxRetries; a retryAfter over maxRetryDelay fails at once rather than block a worker.</li>
 * <li>Not retried: the failure's code at once, with the request's item indexes.</li>
 * <li>Every rate-limited answer tells the limiter ({@link EmbeddingRateLimiter#onRateLimited}); every
 * success too ({@link EmbeddingRateLimiter#onSuccess}).</li>
 * </ul>
 */
public class ProviderCaller {

    private static final Logger LOG = Logger.getLogger(ProviderCaller.class);

    private final EmbeddingRateLimiter limiter;
    private final Sleeper sleeper;
    private final int maxRetries;
    private final Backoff backoff;
    private final Duration maxRetryDelay;
    private final VendorErrors errors;
    private final String secret;
    private final ProviderCallListener listener;

    /**
     * @param jitter   random source for backoff jitter, a value in [0, Long.MAX_VALUE); null for random
     * @param errors   the vendor's reading of its failures
     * @param secret   a credential that must never appear in a message (API key); may be null
     * @param listener told the outcome of every request sent, retries included (metrics, run history)
     */
    public ProviderCaller(EmbeddingRateLimiter limiter, Sleeper sleeper, int maxRetries, Duration initialBackoff,
            Duration maxBackoff, Duration maxRetryDelay, LongSupplier jitter, VendorErrors errors, String secret,
            ProviderCallListener listener) {
        this.limiter = limiter;
        this.sleeper = sleeper;
        this.maxRetries = maxRetries;
        this.backoff = new Backoff(initialBackoff, maxBackoff, jitter);
        this.maxRetryDelay = maxRetryDelay;
        this.errors = errors;
        this.secret = secret;
        this.listener = listener == null ? outcome -> {
        } : listener;
    }

    /**
     * @param what        for messages, e.g. "OpenAI embeddings (text-embedding-3-small, items 0-99)"
     * @param tokens      the request's estimated tokens, for the limiter
     * @param itemIndexes the request's items, attached to a failure
     */
    public <T> T call(String what, long tokens, List<Integer> itemIndexes, Supplier<T> request) {
        for (int attempt = 0; ; attempt++) {
            boolean sent = false;
            try {
                limiter.acquire(tokens);
                sent = true;
                T answer = request.get();
                listener.called(Outcome.OK);
                limiter.onSuccess();
                return answer;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddingException(Code.UNAVAILABLE, what + " interrupted", null, itemIndexes, null);
            } catch (RuntimeException e) {
                Optional<Failure> read = errors.classify(e);
                if (read.isEmpty()) {
                    if (sent) {
                        listener.called(Outcome.ERROR); // e.g. an answer that cannot be read, a client closed at shutdown
                    }
                    throw e;
                }
                Failure failure = read.get();
                listener.called(failure.rateLimited() ? Outcome.RATE_LIMITED : Outcome.ERROR);
                if (failure.rateLimited()) {
                    // A wait longer than max-retry-delay fails this request (below); it must not hold everyone.
                    limiter.onRateLimited(failure.retryAfter().filter(d -> d.compareTo(maxRetryDelay) <= 0));
                }
                pause(what, waitBeforeRetry(what, failure, attempt, itemIndexes), itemIndexes);
            }
        }
    }

    /** What the vendor said about its quota on a successful answer (rate-limit headers). */
    public void observe(QuotaHint hint) {
        limiter.learn(hint);
    }

    /** Throws for what is not retried (any more); returns the wait before the next attempt otherwise. */
    private Duration waitBeforeRetry(String what, Failure failure, int attempt, List<Integer> items) {
        String said = redact(failure.said());
        if (!failure.retry()) {
            throw new EmbeddingException(failure.code(), what + " " + said, failure.retryAfter().orElse(null), items,
                    null);
        }
        Duration wait = failure.retryAfter().orElseGet(() -> backoff.delay(attempt));
        if (attempt >= maxRetries || wait.compareTo(maxRetryDelay) > 0) {
            throw new EmbeddingException(failure.code(), what + " " + said + "; gave up after " + (attempt + 1)
                    + " attempt(s)", failure.rateLimited() ? wait : null, items, null);
        }
        LOG.warnf("%s %s; retry %d/%d in %d ms%s", what, said, attempt + 1, maxRetries, wait.toMillis(),
                failure.retryAfter().isPresent() ? " as the provider asked" : "");
        return wait;
    }

    private void pause(String what, Duration wait, List<Integer> items) {
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException(Code.UNAVAILABLE, what + " interrupted", null, items, null);
        }
    }

    /** Vendors do not echo keys today; this keeps it so if one starts to. */
    private String redact(String text) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        return text.replace(secret, "***");
    }
}
