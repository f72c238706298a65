package dev.reembed.embedding.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.ws.rs.ProcessingException;

import org.junit.jupiter.api.Test;

import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingRateLimiter;
import dev.reembed.embedding.FakeTime;
import dev.reembed.embedding.ProviderCallListener.Outcome;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.call.ProviderHttpException;

/** Google's failures read and acted on (GoogleErrors through ProviderCaller), on synthetic google.rpc bodies (no HTTP). */
class GoogleErrorsTest {

    static final String KEY = "AIzaSECRET-key-123";
    final FakeTime time = new FakeTime();

    ProviderCaller caller(int maxRetries, Duration maxRetryDelay) {
        return new ProviderCaller(new EmbeddingRateLimiter(1000, 1_000_000, time, time), time, maxRetries,
                Duration.ofSeconds(1), Duration.ofSeconds(8), maxRetryDelay, () -> Long.MAX_VALUE - 1, new GoogleErrors(), KEY, null);
    }

    @Test
    void parsesProtobufDurations() {
        assertThat(GoogleApiError.parseDuration("37s")).contains(Duration.ofSeconds(37));
        assertThat(GoogleApiError.parseDuration("1.5s")).contains(Duration.ofMillis(1500));
        assertThat(GoogleApiError.parseDuration("0.000250s")).contains(Duration.ofNanos(250_000));
        assertThat(GoogleApiError.parseDuration("soon")).isEmpty();
    }

    @Test
    void aRetryDelayLongerThanTheCapFailsAsRateLimitedInsteadOfBlocking() {
        String body = "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"quota\",\"details\":"
                + "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"600s\"}]}}";
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> caller(5, Duration.ofSeconds(120))
                .call("x", 1, List.of(0), () -> {
                    throw new ProviderHttpException(429, body);
                }));
        assertThat(e.code()).isEqualTo(Code.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(600));
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void backoffGrowsExponentiallyUpToTheCap() {
        AtomicInteger calls = new AtomicInteger();
        String body = "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\",\"message\":\"busy\"}}";
        String result = caller(5, Duration.ofSeconds(120)).call("x", 1, List.of(0), () -> {
            if (calls.incrementAndGet() <= 5) {
                throw new ProviderHttpException(503, body);
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        // jitter source at its maximum: waits are (cap+1)-modulo of Long.MAX_VALUE-1, all within [0, cap].
        assertThat(time.sleeps()).hasSize(5).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(8)));
    }

    /** The run history counts requests, not calls: every attempt is reported, with its outcome. */
    @Test
    void theListenerHearsOfEveryAttempt() {
        List<Outcome> heard = new CopyOnWriteArrayList<>();
        ProviderCaller caller = new ProviderCaller(new EmbeddingRateLimiter(1000, 1_000_000, time, time), time, 5,
                Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(120), () -> 0L, new GoogleErrors(), KEY, heard::add);
        String rateLimited = "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"quota\"}}";
        AtomicInteger attempt = new AtomicInteger();
        String result = caller.call("x", 1, List.of(0), () -> switch (attempt.incrementAndGet()) {
            case 1 -> throw new ProviderHttpException(429, rateLimited);
            case 2 -> throw new ProviderHttpException(503, "{}");
            case 3 -> throw new ProcessingException("connection refused");
            default -> "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(heard).containsExactly(Outcome.RATE_LIMITED, Outcome.ERROR, Outcome.ERROR, Outcome.OK);

        heard.clear();
        catchThrowableOfType(EmbeddingException.class, () -> caller.call("x", 1, List.of(0), () -> {
            throw new ProviderHttpException(400, "{}");
        }));
        assertThat(heard).as("a refused request, not retried").containsExactly(Outcome.ERROR);
    }

    @Test
    void redactsTheKeyEvenIfAnErrorBodyEchoesIt() {
        String body = "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\",\"message\":\"bad key " + KEY + "\"}}";
        EmbeddingException e = catchThrowableOfType(EmbeddingException.class, () -> caller(3, Duration.ofSeconds(1))
                .call("x", 1, List.of(4, 5), () -> {
                    throw new ProviderHttpException(400, body);
                }));
        assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(e.itemIndexes()).containsExactly(4, 5);
        assertThat(e.getMessage()).doesNotContain(KEY).contains("bad key ***");
    }

    @Test
    void unauthenticatedAndPermissionDeniedFailFast() {
        assertThat(catchThrowableOfType(EmbeddingException.class, () -> caller(3, Duration.ofSeconds(1))
                .call("x", 1, List.of(), () -> {
                    throw new ProviderHttpException(401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}");
                })).code()).isEqualTo(Code.UNAUTHENTICATED);
        assertThat(catchThrowableOfType(EmbeddingException.class, () -> caller(3, Duration.ofSeconds(1))
                .call("x", 1, List.of(), () -> {
                    throw new ProviderHttpException(403, "<html>Forbidden</html>");
                })).code()).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(time.sleeps()).isEmpty();
    }
}
