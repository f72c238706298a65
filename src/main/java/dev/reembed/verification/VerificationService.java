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

import dev.reembed.backfill.VectorColumn;
import dev.reembed.common.Check;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.EmbeddingProviders;
import dev.reembed.embedding.Vectors;
import dev.reembed.online.EmbeddingLayout;
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

    /** Overrides of one request; null = configuration. {@code shadow}: the online migration's embedding_next. */
    public record Options(Integer sample, int drift, Integer efSearch, Long maxP95Ms, Double minRecall, boolean shadow) {

        public Options(Integer sample, int drift, Integer efSearch, Long maxP95Ms, Double minRecall) {
            this(sample, drift, efSearch, maxP95Ms, minRecall, false);
        }
    }

    private final VerificationRepository repository;
    private final SchemaCatalog schema;
    private final EmbeddingProvider provider;
    private final EmbeddingProviders providers;
    private final EmbeddingLayout layout;
    private final VerificationConfig config;

    public VerificationService(VerificationRepository repository, SchemaCatalog schema, EmbeddingProvider provider,
            EmbeddingProviders providers, EmbeddingLayout layout, VerificationConfig config) {
        this.repository = repository;
        this.schema = schema;
        this.provider = provider;
        this.providers = providers;
        this.layout = layout;
        this.config = config;
    }

    /** The report on the live column, or with {@code options.shadow()} on the open online migration's shadow (409 without one). */
    public VerificationReport verify(Options options) {
        VerifiedColumn v;
        if (options.shadow()) {
            var next = layout.shadow().orElseThrow(() -> ProblemException.conflict("There is no shadow column (embedding_next) to "
                    + "verify: no online migration is open before its cutover (see GET /api/migration/online)"));
            v = VerifiedColumn.shadow(next.model(), next.dimensions(), next.type());
        } else {
            var live = layout.expectedLive();
            v = VerifiedColumn.live(live.model(), live.dimensions(), live.type());
        }
        return verify(v, options);
    }

    private VerificationReport verify(VerifiedColumn v, Options options) {
        int sampleSize = options.sample() == null ? config.sample() : options.sample();
        Integer efSearch = options.efSearch() != null ? options.efSearch() : config.efSearch().orElse(null);
        long maxP95 = options.maxP95Ms() == null ? config.maxP95Ms() : options.maxP95Ms();
        double minRecall = options.minRecall() == null ? config.minRecall() : options.minRecall();
        List<Check> checks = new ArrayList<>();

        checks.add(guard("column", () -> columnCheck(v)));
        checks.add(guard("index", () -> indexCheck(v)));
        checks.add(guard("function", () -> functionCheck(v)));
        checks.add(guard("coverage", () -> coverageCheck(v)));
        checks.add(guard("norms", () -> normsCheck(v)));

        List<VerificationRepository.SampleRow> sample = List.of();
        try {
            sample = repository.sample(v, sampleSize);
        } catch (RuntimeException e) {
            LOG.warn("Cannot sample rows for verification", e);
        }
        List<Double> latencies = new ArrayList<>();
        List<VerificationRepository.SampleRow> rows = sample;
        checks.add(guard("self-retrieval", () -> selfRetrieval(v, rows, efSearch, latencies)));
        checks.add(guard("recall@10", () -> recall(v, rows, efSearch, minRecall)));
        checks.add(guard("latency", () -> latency(v, latencies, maxP95)));
        if (options.drift() > 0) {
            checks.add(guard("drift", () -> drift(v, rows.subList(0, Math.min(options.drift(), rows.size())))));
        }
        Check.Status status = checks.stream().anyMatch(Check::failed) ? Check.Status.FAIL : Check.Status.PASS;
        LOG.infof("Verification of %s %s: %s", v.name(), status, checks.stream().map(c -> c.name() + "=" + c.status()).toList());
        return new VerificationReport(status, v.model(), v.dimensions(), sample.size(), checks, v.name());
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

    private Check columnCheck(VerifiedColumn v) {
        String name = "questions." + v.name();
        var column = schema.column(v.name());
        if (column.isEmpty()) {
            return Check.fail("column", name + " does not exist");
        }
        String expected = v.type().sqlType(v.dimensions());
        return (expected.equals(column.get().type())
                ? Check.pass("column", name + " is " + column.get().type())
                : Check.fail("column", name + " is " + column.get().type() + ", expected " + expected))
                .withValue(column.get().dimensions());
    }

    private Check indexCheck(VerifiedColumn v) {
        var idx = schema.index(v.index());
        if (!idx.present()) {
            return Check.fail("index", v.index() + " does not exist");
        }
        String what = v.index() + ": " + idx.method() + " " + idx.opclass() + (Boolean.TRUE.equals(idx.valid()) ? ", valid" : ", INVALID");
        return HnswIndex.isExpected(idx, v.type()) ? Check.pass("index", what)
                : Check.fail("index", what + "; expected a valid hnsw " + v.type().cosineOpclass() + " index");
    }

    private Check functionCheck(VerifiedColumn v) {
        String fn = v.function();
        if (!schema.function(fn).expectedArguments()) {
            return Check.fail("function", fn + "(vector, float, int) does not exist");
        }
        int dims = v.dimensions();
        String atTarget = repository.callFunctionWith(v, dims);
        if (atTarget != null) {
            return Check.fail("function", fn + " refuses a vector(" + dims + "): " + firstLine(atTarget));
        }
        int other = dims > 1 ? dims - 1 : 2;
        if (repository.callFunctionWith(v, other) == null) {
            return Check.fail("function", fn + " accepts a vector(" + other + "); it must take vector(" + dims + ") only");
        }
        return Check.pass("function", fn + " takes vector(" + dims + ")");
    }

    private Check coverageCheck(VerifiedColumn v) {
        VerificationRepository.Coverage c = repository.coverage(v);
        long total = c.total();
        long missing = c.missing();
        double covered = total == 0 ? 100.0 : round(100.0 * (total - missing) / total, 2);
        String detail = (total - missing) + " of " + total + " questions in scope have a " + v.model() + " vector of their current text"
                + (v.column() == VectorColumn.NEXT ? " in " + v.name() : "");
        String fix = v.column() == VectorColumn.NEXT ? "the online migration's run embeds them" : "run a backfill with scope STALE";
        return (missing == 0 ? Check.pass("coverage", detail)
                : Check.fail("coverage", detail + "; " + missing + " do not (" + fix + ")")).withValue(covered);
    }

    private Check normsCheck(VerifiedColumn v) {
        VerificationRepository.Norms n = repository.norms(v, NORM_TOLERANCE);
        long off = n.offUnit();
        double worst = round(n.worstDeviation(), 6);
        String detail = off == 0 ? "every one of " + n.vectors() + " vectors has ‖v‖ = 1 ± " + NORM_TOLERANCE
                : off + " of " + n.vectors() + " vectors are not unit length (worst |‖v‖ − 1| = " + worst + ")";
        return (off == 0 ? Check.pass("norms", detail) : Check.fail("norms", detail)).withValue(worst);
    }

    private Check selfRetrieval(VerifiedColumn v, List<VerificationRepository.SampleRow> rows, Integer efSearch,
            List<Double> latencies) throws Exception {
        if (rows.isEmpty()) {
            return Check.warn("self-retrieval", "No rows with a vector to sample");
        }
        int hits = 0;
        List<Long> misses = new ArrayList<>();
        for (var row : rows) {
            var found = repository.matchFunction(v, row.vector(), K, efSearch);
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

    private Check recall(VerifiedColumn v, List<VerificationRepository.SampleRow> rows, Integer efSearch, double minRecall)
            throws Exception {
        if (rows.isEmpty()) {
            return Check.warn("recall@10", "No rows with a vector to sample");
        }
        if (!schema.index(v.index()).present()) {
            return Check.fail("recall@10", "There is no HNSW index (" + v.index() + "): nothing to measure");
        }
        if (!repository.indexUsed(v, rows.get(0).vector())) {
            // pgvector's cost model keeps small tables on an exact scan even with seq scans disabled.
            return Check.warn("recall@10", "The planner does not use " + v.index() + " at this table size: searches "
                    + "are exact scans, so recall is 1 by construction; it is measured once the index is used").withValue(1.0);
        }
        double sum = 0;
        for (var row : rows) {
            List<Long> exact = repository.nearest(v, row.vector(), K, true, efSearch).ids();
            Set<Long> approximate = new HashSet<>(repository.nearest(v, row.vector(), K, false, efSearch).ids());
            long found = exact.stream().filter(approximate::contains).count();
            sum += exact.isEmpty() ? 1 : (double) found / exact.size();
        }
        double recall = round(sum / rows.size(), 4);
        String detail = String.format(Locale.ROOT, "recall@10 of the HNSW index against an exact scan over %d queries: %.4f (bound %.2f%s)",
                rows.size(), recall, minRecall, efSearch == null ? "" : ", hnsw.ef_search " + efSearch);
        return (recall >= minRecall ? Check.pass("recall@10", detail) : Check.fail("recall@10", detail)).withValue(recall);
    }

    private Check latency(VerifiedColumn v, List<Double> latencies, long maxP95) {
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
        String detail = String.format(Locale.ROOT, "%s over %d searches: p50 %.2f ms, p95 %.2f ms (bound %d ms)",
                v.function(), sorted.length, p50, p95, maxP95);
        return (p95 <= maxP95 ? Check.pass("latency", detail) : Check.fail("latency", detail)).withValue(value);
    }

    private Check drift(VerifiedColumn v, List<VerificationRepository.SampleRow> rows) {
        if (rows.isEmpty()) {
            return Check.warn("drift", "No rows with a vector to sample");
        }
        EmbeddingProvider embedder = provider;
        if (!provider.model().equalsIgnoreCase(v.model()) || provider.dimensions() != v.dimensions()) {
            try {
                embedder = providers.forModel(v.model(), v.dimensions());
            } catch (ProblemException e) {
                return Check.fail("drift", "This service embeds with " + provider.model() + " at " + provider.dimensions()
                        + " dimensions, not " + v.model() + " at " + v.dimensions() + ": " + e.problem().detail);
            }
        }
        List<float[]> fresh;
        try {
            fresh = embedder.embedDocuments(rows.stream().map(r -> new DocumentText(r.title(), r.content())).toList()).vectors();
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
