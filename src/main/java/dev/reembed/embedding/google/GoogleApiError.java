package dev.reembed.embedding.google;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The parts of a {@code google.rpc.Status} error body this service acts on: {@code status},
 * {@code message}, {@code ErrorInfo.reason}, {@code QuotaFailure} quota ids and
 * {@code RetryInfo.retryDelay}. Read as a JSON tree: no reflection, tolerant of unknown details.
 */
public record GoogleApiError(int code, String status, String message, String reason, List<String> quotaIds,
        Optional<Duration> retryDelay) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static GoogleApiError parse(int httpStatus, String body) {
        String status = "";
        String message = "";
        String reason = "";
        List<String> quotaIds = new ArrayList<>();
        Duration retryDelay = null;
        int code = httpStatus;
        try {
            JsonNode error = JSON.readTree(body == null || body.isBlank() ? "{}" : body).path("error");
            code = error.path("code").asInt(httpStatus);
            status = error.path("status").asText("");
            message = error.path("message").asText("");
            for (JsonNode detail : error.path("details")) {
                String type = detail.path("@type").asText("");
                if (type.endsWith("google.rpc.ErrorInfo")) {
                    reason = detail.path("reason").asText("");
                } else if (type.endsWith("google.rpc.QuotaFailure")) {
                    for (JsonNode v : detail.path("violations")) {
                        String id = v.path("quotaId").asText("");
                        quotaIds.add(id.isEmpty() ? v.path("quotaMetric").asText("") : id);
                    }
                } else if (type.endsWith("google.rpc.RetryInfo")) {
                    retryDelay = parseDuration(detail.path("retryDelay").asText("")).orElse(null);
                }
            }
        } catch (Exception e) {
            // Not JSON (a proxy's HTML page, an empty body): the HTTP status alone decides.
            message = "";
        }
        return new GoogleApiError(code, status, message, reason, List.copyOf(quotaIds), Optional.ofNullable(retryDelay));
    }

    /** A protobuf Duration in JSON form: "37s", "1.5s", "0.250s". */
    static Optional<Duration> parseDuration(String text) {
        if (text == null || !text.endsWith("s")) {
            return Optional.empty();
        }
        try {
            BigDecimal seconds = new BigDecimal(text.substring(0, text.length() - 1));
            if (seconds.signum() < 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos(seconds.movePointRight(9).longValueExact()));
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /** A QuotaFailure on a per-day quota: no point waiting seconds for it. */
    public boolean perDayQuota() {
        return quotaIds.stream().anyMatch(q -> q.contains("PerDay"));
    }

    public boolean apiKeyInvalid() {
        return "API_KEY_INVALID".equals(reason);
    }
}
