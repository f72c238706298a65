package dev.reembed.verification;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.reembed.common.Check;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.TargetConfig;
import dev.reembed.embedding.Vectors;
import dev.reembed.schema.HnswIndex;
import dev.reembed.schema.SchemaCatalog;

/**
 * Seed 001's "Plan 04" and "Post-Migration Validation", computed from the data: schema, coverage,
 * norms, self-retrieval, HNSW recall against an exact scan, search latency, and optionally drift
 * against fresh embeddings. Every check PASSes or FAILs on its own; one that cannot run FAILs with
 * the reason.
 */
@ApplicationScoped
public class VerificationService {

    private static final Logger LOG = Logger.getLogger(VerificationService.class);
    static final double NORM_TOLERANCE = 1e-3;
    static final int K = 10;

    /** Overrides of one request; null = configuration. */
    public record Options(Integer sample, int drift, Integer efSearch, Long maxP95Ms, Double minRecall) {
    }

    private final VerificationRepository repository;
    private final SchemaCatalog schema;
    private final EmbeddingProvider provider;
    private final TargetConfig target;
    private final VerificationConfig config;

    public VerificationService(VerificationRepository repository, SchemaCatalog schema, EmbeddingProvider provider,
            TargetConfig target, VerificationConfig config) {
        this.repository = repository;
        this.schema = schema;
        this.provider = provider;
        this.target = target;
        this.config = config;
    }

    public VerificationReport verify(Options options) {
        int sampleSize = options.sample() == null ? config.sample() : options.sample();
        Integer efSearch = options.efSearch() != null ? options.efSearch() : config.efSearch().orElse(null);
        long maxP95 = options.maxP95Ms() == null ? config.maxP95Ms() : options.maxP95Ms();
        double minRecall = options.minRecall() == null ? config.minRecall() : options.minRecall();
        int dims = target.dimensions();
        List<Check> checks = new ArrayList<>();

        checks.add(guard("column", this::columnCheck));
        checks.add(guard("index", this::indexCheck));
        checks.add(guard("function", this::functionCheck));
        checks.add(guard("coverage", this::coverageCheck));
        checks.add(guard("norms", this::normsCheck));

        List<VerificationRepository.SampleRow> sample = List.of();
        try {
            sample = repository.sample(sampleSize);
        } catch (RuntimeException e) {
            LOG.warn("Cannot sample rows for verification", e);
        }
        List<Double> latencies = new ArrayList<>();
        List<VerificationRepository.SampleRow> rows = sample;
        checks.add(guard("self-retrieval", () -> selfRetrieval(rows, efSearch, latencies)));
        checks.add(guard("recall@10", () -> recall(rows, efSearch, minRecall)));
        checks.add(guard("latency", () -> latency(latencies, maxP95)));
        if (options.drift() > 0) {
            checks.add(guard("drift", () -> drift(rows.subList(0, Math.min(options.drift(), rows.size())))));
        }
        Check.Status status = checks.stream().anyMatch(Check::failed) ? Check.Status.FAIL : Check.Status.PASS;
        LOG.infof("Verification %s: %s", status, checks.stream().map(c -> c.name() + "=" + c.status()).toList());
        return new VerificationReport(status, target.model(), dims, sample.size(), checks);
    }

    private interface CheckBody {
        Check run() throws Exception;
    }

    private static Check guard(String name, CheckBody body) {
        try {
            return body.run();
        } catch (Exception e) {
            return Check.fail(name, "Could not run: " + firstLine(e.getMessage()));
        }
    }

    private Check columnCheck() {
        var column = schema.embeddingColumn();
        if (column.isEmpty()) {
            return Check.fail("column", "questions.embedding does not exist");
        }
        Integer dims = column.get().dimensions();
        return (column.get().isVector(target.dimensions())
                ? Check.pass("column", "questions.embedding is " + column.get().type())
                : Check.fail("column", "questions.embedding is " + column.get().type() + ", expected vector(" + target.dimensions() + ")"))
                .withValue(dims);
    }

    private Check indexCheck() {
        var idx = schema.embeddingIndex();
        if (!idx.present()) {
            return Check.fail("index", "idx_questions_embedding does not exist");
        }
        String what = "idx_questions_embedding: " + idx.method() + " " + idx.opclass() + (Boolean.TRUE.equals(idx.valid()) ? ", valid" : ", INVALID");
        return HnswIndex.isExpected(idx) ? Check.pass("index", what) : Check.fail("index", what + "; expected a valid hnsw vector_cosine_ops index");
    }

    private Check functionCheck() {
        if (!schema.matchFunction().expectedArguments()) {
            return Check.fail("function", "match_questions_with_solutions(vector, float, int) does not exist");
        }
        int dims = target.dimensions();
        String atTarget = repository.callFunctionWith(dims);
        if (atTarget != null) {
            return Check.fail("function", "match_questions_with_solutions refuses a vector(" + dims + "): " + firstLine(atTarget));
        }
        int other = dims > 1 ? dims - 1 : 2;
        if (repository.callFunctionWith(other) == null) {
            return Check.fail("function", "match_questions_with_solutions accepts a vector(" + other + "); it must take vector(" + dims + ") only");
        }
        return Check.pass("function", "match_questions_with_solutions takes vector(" + dims + ")");
    }

    private Check coverageCheck() {
        VerificationRepository.Coverage c = repository.coverage(target.model(), target.dimensions());
        long total = c.total();
        long missing = c.missing();
        double covered = total == 0 ? 100.0 : round(100.0 * (total - missing) / total, 2);
        String detail = (total - missing) + " of " + total + " questions in scope have a " + target.model() + " vector of their current text";
        return (missing == 0 ? Check.pass("coverage", detail)
                : Check.fail("coverage", detail + "; " + missing + " do not (run a backfill with scope STALE)")).withValue(covered);
    }

    private Check normsCheck() {
        VerificationRepository.Norms n = repository.norms(NORM_TOLERANCE);
        long off = n.offUnit();
        double worst = round(n.worstDeviation(), 6);
        String detail = off == 0 ? "every one of " + n.vectors() + " vectors has ‖v‖ = 1 ± " + NORM_TOLERANCE
                : off + " of " + n.vectors() + " vectors are not unit length (worst |‖v‖ − 1| = " + worst + ")";
        return (off == 0 ? Check.pass("norms", detail) : Check.fail("norms", detail)).withValue(worst);
    }

    private Check selfRetrieval(List<VerificationRepository.SampleRow> rows, Integer efSearch, List<Double> latencies) throws Exception {
        if (rows.isEmpty()) {
            return Check.warn("self-retrieval", "No rows with a vector to sample");
        }
        int hits = 0;
        List<Long> misses = new ArrayList<>();
        for (var row : rows) {
            var found = repository.matchFunction(row.vector(), K, efSearch);
            latencies.add(found.millis());
            // A row whose text another row repeats may share first place: a tie at similarity 1 counts.
            boolean hit = !found.ids().isEmpty() && (found.ids().get(0) == row.id()
                    || found.similarities().get(0) > 0.99999 && found.ids().contains(row.id())
                            && found.similarities().get(found.ids().indexOf(row.id())) > 0.99999);
            if (hit) {
                hits++;
            } else {
                misses.add(row.id());
            }
        }
        String detail = hits + " of " + rows.size() + " sampled rows come back first when searched with their own vector";
        return (misses.isEmpty() ? Check.pass("self-retrieval", detail)
                : Check.fail("self-retrieval", detail + "; not: " + misses.subList(0, Math.min(10, misses.size()))))
                .withValue(round((double) hits / rows.size(), 4));
    }

    private Check recall(List<VerificationRepository.SampleRow> rows, Integer efSearch, double minRecall) throws Exception {
        if (rows.isEmpty()) {
            return Check.warn("recall@10", "No rows with a vector to sample");
        }
        if (!schema.embeddingIndex().present()) {
            return Check.fail("recall@10", "There is no HNSW index (idx_questions_embedding): nothing to measure");
        }
        if (!repository.indexUsed(rows.get(0).vector())) {
            // pgvector's cost model keeps small tables on an exact scan even with seq scans disabled.
            return Check.warn("recall@10", "The planner does not use idx_questions_embedding at this table size: searches "
                    + "are exact scans, so recall is 1 by construction; it is measured once the index is used").withValue(1.0);
        }
        double sum = 0;
        for (var row : rows) {
            List<Long> exact = repository.nearest(row.vector(), K, true, efSearch).ids();
            Set<Long> approximate = new HashSet<>(repository.nearest(row.vector(), K, false, efSearch).ids());
            long found = exact.stream().filter(approximate::contains).count();
            sum += exact.isEmpty() ? 1 : (double) found / exact.size();
        }
        double recall = round(sum / rows.size(), 4);
        String detail = String.format(Locale.ROOT, "recall@10 of the HNSW index against an exact scan over %d queries: %.4f (bound %.2f%s)",
                rows.size(), recall, minRecall, efSearch == null ? "" : ", hnsw.ef_search " + efSearch);
        return (recall >= minRecall ? Check.pass("recall@10", detail) : Check.fail("recall@10", detail)).withValue(recall);
    }

    private Check latency(List<Double> latencies, long maxP95) {
        if (latencies.isEmpty()) {
            return Check.warn("latency", "No searches were timed");
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double p50 = round(percentile(sorted, 0.50), 2);
        double p95 = round(percentile(sorted, 0.95), 2);
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("p50Ms", p50);
        value.put("p95Ms", p95);
        value.put("searches", sorted.length);
        String detail = String.format(Locale.ROOT, "match_questions_with_solutions over %d searches: p50 %.2f ms, p95 %.2f ms (bound %d ms)",
                sorted.length, p50, p95, maxP95);
        return (p95 <= maxP95 ? Check.pass("latency", detail) : Check.fail("latency", detail)).withValue(value);
    }

    private Check drift(List<VerificationRepository.SampleRow> rows) {
        if (rows.isEmpty()) {
            return Check.warn("drift", "No rows with a vector to sample");
        }
        if (!provider.model().equalsIgnoreCase(target.model()) || provider.dimensions() != target.dimensions()) {
            return Check.fail("drift", "This service embeds with " + provider.model() + " at " + provider.dimensions()
                    + " dimensions, not the target " + target.model() + " at " + target.dimensions());
        }
        List<float[]> fresh;
        try {
            fresh = provider.embedDocuments(rows.stream().map(r -> new DocumentText(r.title(), r.content())).toList()).vectors();
        } catch (EmbeddingException e) {
            return Check.fail("drift", "The provider could not re-embed the sample: " + e.getMessage());
        }
        double worst = 1;
        for (int i = 0; i < rows.size(); i++) {
            worst = Math.min(worst, Vectors.cosine(Vectors.parse(rows.get(i).vector()), fresh.get(i)));
        }
        worst = round(worst, 6);
        String detail = String.format(Locale.ROOT, "%d rows re-embedded: lowest cosine with the stored vector %.6f (bound %.2f)",
                rows.size(), worst, config.minDriftCosine());
        return (worst >= config.minDriftCosine() ? Check.pass("drift", detail) : Check.fail("drift", detail)).withValue(worst);
    }

    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length) - 1; // nearest-rank
        return sorted[Math.max(0, Math.min(rank, sorted.length - 1))];
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static String firstLine(String s) {
        return s == null ? "unknown error" : s.lines().findFirst().orElse(s);
    }
}
