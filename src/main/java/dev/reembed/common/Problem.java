package dev.reembed.common;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * An RFC 9457 problem detail ({@code application/problem+json}). Extension members (for example
 * {@code activeRunId} on a 409) go in {@link #extensions}.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Problem {

    public static final String MEDIA_TYPE = "application/problem+json";

    public String type = "about:blank";
    public String title;
    public int status;
    public String detail;
    public String instance;

    private final Map<String, Object> extensions = new LinkedHashMap<>();

    public Problem() {
    }

    public Problem(int status, String title, String detail) {
        this.status = status;
        this.title = title;
        this.detail = detail;
    }

    public Problem with(String name, Object value) {
        extensions.put(name, value);
        return this;
    }

    @JsonAnyGetter
    public Map<String, Object> extensions() {
        return extensions;
    }
}
