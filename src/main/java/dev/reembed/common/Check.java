package dev.reembed.common;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One named check of a pre-flight or verification report. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Check(String name, Status status, String detail, Object value) {

    public enum Status {
        PASS, WARN, FAIL
    }

    public static Check pass(String name, String detail) {
        return new Check(name, Status.PASS, detail, null);
    }

    public static Check warn(String name, String detail) {
        return new Check(name, Status.WARN, detail, null);
    }

    public static Check fail(String name, String detail) {
        return new Check(name, Status.FAIL, detail, null);
    }

    public Check withValue(Object v) {
        return new Check(name, status, detail, v);
    }

    public boolean failed() {
        return status == Status.FAIL;
    }
}
