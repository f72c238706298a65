package dev.reembed.question;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;

/** The application path ({@code reembed.question.*}). */
@ConfigMapping(prefix = "reembed.question")
public interface QuestionConfig {

    /**
     * hnsw.ef_search of the service's searches (search, duplicates): the candidate list HNSW keeps.
     * pgvector's default, 40, missed neighbours at 100k rows; 100 kept p95 well under 50 ms there
     * (docs/BENCHMARKS.md).
     */
    @Min(1)
    @Max(1000)
    int efSearch();
}
