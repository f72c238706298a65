package dev.reembed.question;

import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Response bodies of the application path. */
public final class QuestionViews {

    private QuestionViews() {
    }

    @RegisterForReflection
    public record SolutionView(long id, String content) {
    }

    /** A search result: the function's row (docs/api.md). */
    @RegisterForReflection
    public record Match(long id, String title, String content, double similarity, List<SolutionView> solutions) {
    }

    /**
     * {@code status}: EMBEDDED, or PENDING when the provider could not be reached (the question is
     * stored; the scheduled sweep embeds it later).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Embedding(String status, String model, Integer dimensions, String error) {
    }

    @RegisterForReflection
    public record Created(long id, String title, String content, List<SolutionView> solutions, Embedding embedding,
            OffsetDateTime createdAt) {
    }
}
