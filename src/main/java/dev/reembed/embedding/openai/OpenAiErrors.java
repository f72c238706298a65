package dev.reembed.embedding.openai;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.ProcessingException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.QuotaHint;
import dev.reembed.embedding.call.ConnectionFailures;
import dev.reembed.embedding.call.Failure;
import dev.reembed.embedding.call.ProviderHttpException;
import dev.reembed.embedding.call.RetryAfter;
import dev.reembed.embedding.call.VendorErrors;

/**
 * OpenAI's failures (developers.openai.com/docs/guides/error-codes), read from the body
 * {@code {"error":{"message","type","param","code"}}}:
 * <ul>
 * <li>401: UNAUTHENTICATED; 403 (unsupported region, no access): PERMISSION_DENIED.</li>
 * <li>429 {@code insufficient_quota} (type or code), {@code credit_balance_exhausted},
 * {@code *_spend_limit_exceeded}: DAILY_QUOTA_EXHAUSTED, not retried: the account is out of credit or
 * over its spend limit, and only an operator can change that.</li>
 * <li>Other 429s: RATE_LIMITED, retried after {@code retry-after(-ms)}, else the reset of the budget
 * the headers show used up, else the "Please try again in 2.812s" of the message.</li>
 * <li>500/502/503: UNAVAILABLE, 504: TIMEOUT, both retried.</li>
 * <li>400, 404 (unknown model) and the rest: INVALID_ARGUMENT.</li>
 * </ul>
 * OpenAI quotes a masked key in its 401 message ("Incorrect API key provided: sk-abc***wxyz"); every
 * {@code sk-…} token is cut from what is passed on.
 */
public final class OpenAiErrors implements VendorErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY = Pattern.compile("\\bsk-[A-Za-z0-9_*.\\-]+");
    private static final Pattern TRY_AGAIN = Pattern.compile("try again in (\\S+?)\\.?(\\s|$)");
    private static final int MAX_MESSAGE = 400;

    /** The {@code error} object of OpenAI's body; empty strings where absent. */
    record ApiError(String message, String type, String code) {

        static ApiError parse(String body) {
            if (body == null || body.isBlank()) {
                return new ApiError("", "", "");
            }
            try {
                JsonNode error = JSON.readTree(body).path("error");
                if (error.isObject()) {
                    return new ApiError(text(error.path("message")), text(error.path("type")), text(error.path("code")));
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not JSON (a gateway's HTML page): the raw text below
            }
            return new ApiError(plain(body), "", "");
        }

        /** A gateway's HTML page as one line of text. */
        static String plain(String body) {
            return body.replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").strip();
        }

        private static String text(JsonNode n) {
            return n.isValueNode() && !n.isNull() ? n.asText() : "";
        }

        boolean quotaExhausted() {
            return "insufficient_quota".equals(type) || "insufficient_quota".equals(code)
                    || "credit_balance_exhausted".equals(code) || code.endsWith("_spend_limit_exceeded");
        }
    }

    @Override
    public Optional<Failure> classify(RuntimeException e) {
        if (e instanceof ProcessingException) {
            return Optional.of(ConnectionFailures.of(e));
        }
        if (!(e instanceof ProviderHttpException)) {
            return Optional.empty();
        }
        ProviderHttpException http = (ProviderHttpException) e;
        int status = http.status();
        ApiError error = ApiError.parse(http.body());
        String said = describe(status, error);
        if (status == 401) {
            return Optional.of(Failure.fail(Code.UNAUTHENTICATED,
                    "was refused: the API key is missing or invalid (" + said + ")"));
        }
        if (status == 403) {
            return Optional.of(Failure.fail(Code.PERMISSION_DENIED,
                    "was refused: the key may not use this model from here (" + said + ")"));
        }
        if (status == 429) {
            if (error.quotaExhausted()) {
                // A 429 all the same (counted as rate limited), but one no wait fixes: not retried.
                return Optional.of(new Failure(Code.DAILY_QUOTA_EXHAUSTED, false, true, Optional.empty(),
                        "stopped: the OpenAI account is out of quota (" + (error.code().isEmpty() ? error.type() : error.code())
                                + "); retrying cannot help: add credit or raise the spend limit at "
                                + "platform.openai.com/account/billing, then resume (" + said + ")"));
            }
            return Optional.of(Failure.rateLimited(retryAfter(http, error), "is rate limited (" + said + ")"));
        }
        if (status == 404) {
            return Optional.of(Failure.fail(Code.NOT_FOUND, "found no such model or endpoint (" + said
                    + "); check the model id and the base URL"));
        }
        if (status == 500 || status == 502 || status == 503 || status == 504) {
            return Optional.of(Failure.retry(status == 504 ? Code.TIMEOUT : Code.UNAVAILABLE,
                    "got HTTP " + status + " (" + said + ")"));
        }
        return Optional.of(Failure.fail(Code.INVALID_ARGUMENT, "was rejected (" + said + ")"));
    }

    /** Retry-After first; then what the rate-limit headers say of the budget that ran out; then the message. */
    static Optional<Duration> retryAfter(ProviderHttpException http, ApiError error) {
        Optional<Duration> asked = RetryAfter.of(name -> http.header(name).orElse(null));
        if (asked.isPresent()) {
            return asked;
        }
        QuotaHint hint = OpenAiQuotaHeaders.read(name -> http.header(name).orElse(null));
        Optional<Duration> exhausted = hint.exhaustedFor();
        if (exhausted.isPresent()) {
            return exhausted;
        }
        Optional<Duration> byType = "tokens".equals(error.type()) ? hint.resetTokens()
                : "requests".equals(error.type()) ? hint.resetRequests() : Optional.empty();
        if (byType.isPresent()) {
            return byType;
        }
        Matcher m = TRY_AGAIN.matcher(error.message());
        return m.find() ? OpenAiQuotaHeaders.duration(m.group(1)) : Optional.empty();
    }

    private static String describe(int status, ApiError error) {
        StringBuilder s = new StringBuilder("HTTP ").append(status);
        String kind = error.code().isEmpty() ? error.type() : error.code();
        if (!kind.isEmpty()) {
            s.append(' ').append(kind);
        }
        String message = KEY.matcher(error.message()).replaceAll("sk-***");
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "…";
        }
        if (!message.isEmpty()) {
            s.append(": ").append(message);
        }
        return s.toString();
    }
}
