package dev.reembed.verification;

import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;

/** The verification report ({@code reembed.verification.*}); defaults in application.properties. */
@ConfigMapping(prefix = "reembed.verification")
public interface VerificationConfig {

    /** Rows sampled for self-retrieval, recall and latency when the request does not say. */
    @Min(1)
    @Max(1000)
    int sample();

    /** recall@10 of the HNSW index against an exact scan below this FAILs. */
    double minRecall();

    /** p95 search latency above this many milliseconds FAILs (the seed's 500 ms). */
    @Min(0)
    long maxP95Ms();

    /** hnsw.ef_search for the report's searches; unset = the server's (pgvector: 40). */
    Optional<Integer> efSearch();

    /** Cosine between a stored vector and a fresh one of the same text below this FAILs the drift check. */
    double minDriftCosine();
}
