package dev.reembed.question;

import java.util.List;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Request bodies of the application path. */
public final class QuestionRequests {

    private QuestionRequests() {
    }

    /** {@code POST /api/questions}. */
    @RegisterForReflection
    public record Create(
            @Size(max = 500) String title,
            @NotBlank @Size(max = 20_000) String content,
            @Size(max = 50) List<@NotBlank @Size(max = 20_000) String> solutions) {
    }

    /** {@code POST /api/questions/search}: threshold default 0.5, limit default 10. */
    @RegisterForReflection
    public record Search(
            @NotBlank @Size(max = 8_000) String query,
            @DecimalMin("-1") @DecimalMax("1") Double threshold,
            @Min(1) @Max(100) Integer limit) {
    }

    /** {@code POST /api/questions/duplicates}: threshold default 0.8, limit default 5. */
    @RegisterForReflection
    public record Duplicates(
            @Size(max = 500) String title,
            @NotNull @NotBlank @Size(max = 20_000) String content,
            @DecimalMin("-1") @DecimalMax("1") Double threshold,
            @Min(1) @Max(100) Integer limit) {
    }
}
