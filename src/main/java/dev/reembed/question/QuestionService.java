package dev.reembed.question;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import dev.reembed.common.Problem;
import dev.reembed.common.ProblemException;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.EmbeddingProviders;
import dev.reembed.online.EmbeddingLayout;
import dev.reembed.schema.SchemaCatalog;

/**
 * Seed 001's "Plan 02", the application path: new questions embedded with the target model as
 * documents (with their title), searches embedded as queries, duplicate detection. Works during a
 * backfill (rows without a vector yet are simply not found); 409 while the column is at another
 * dimension than the one this service embeds at.
 */
@ApplicationScoped
public class QuestionService {

    private static final Logger LOG = Logger.getLogger(QuestionService.class);
    static final double SEARCH_THRESHOLD = 0.5;
    static final int SEARCH_LIMIT = 10;
    static final double DUPLICATE_THRESHOLD = 0.8;
    static final int DUPLICATE_LIMIT = 5;

    /** A search's matches, and when the shadow column answered (the live model cannot be served), which and how full. */
    public record SearchResult(List<QuestionViews.Match> matches, String column, Double coverage) {
    }

    private final QuestionRepository repository;
    private final SchemaCatalog schema;
    private final EmbeddingProvider configured;
    private final EmbeddingProviders providers;
    private final EmbeddingLayout layout;

    public QuestionService(QuestionRepository repository, SchemaCatalog schema, EmbeddingProvider provider,
            EmbeddingProviders providers, EmbeddingLayout layout) {
        this.repository = repository;
        this.schema = schema;
        this.configured = provider;
        this.providers = providers;
        this.layout = layout;
    }

    public QuestionViews.Created create(QuestionRequests.Create request) {
        EmbeddingLayout.SearchPlan plan = checkedPlan();
        List<String> solutions = request.solutions() == null ? List.of() : request.solutions();
        String title = blankToNull(request.title());
        float[] vector = null;
        String error = null;
        EmbeddingProvider provider = null;
        try {
            if (!plan.liveServable()) {
                // The live column's model is shut down: the row waits for the online migration's shadow column.
                throw new EmbeddingException(EmbeddingException.Code.NOT_FOUND, plan.model() + " can no longer be served");
            }
            provider = providerFor(plan.model(), plan.dimensions());
            vector = provider.embedDocuments(List.of(new DocumentText(title, request.content()))).vectors().get(0);
        } catch (EmbeddingException e) {
            if (e.code() == EmbeddingException.Code.INVALID_ARGUMENT || e.code() == EmbeddingException.Code.INPUT_TOO_LONG) {
                throw ProblemException.badRequest("The embedding provider refused this text: " + e.getMessage());
            }
            // The question is worth keeping: stored without a vector, the scheduled sweep embeds it later.
            error = e.getMessage();
            LOG.warnf("Question stored without a vector (%s); the sweep will embed it", e.code());
        }
        QuestionRepository.Stored stored = repository.insert(title, request.content(), solutions, vector, plan.model());
        QuestionViews.Embedding embedding = vector != null
                ? new QuestionViews.Embedding("EMBEDDED", plan.model(), plan.dimensions(), null)
                : new QuestionViews.Embedding("PENDING", plan.model(), plan.dimensions(), error);
        return new QuestionViews.Created(stored.id(), title, request.content(), stored.solutions(), embedding, stored.createdAt());
    }

    public QuestionViews.Created get(long id) {
        return repository.find(id).orElseThrow(() -> ProblemException.notFound("No question " + id));
    }

    public SearchResult search(QuestionRequests.Search request) {
        return match(p -> p.embedQueries(List.of(request.query())).vectors().get(0),
                orDefault(request.threshold(), SEARCH_THRESHOLD), orDefault(request.limit(), SEARCH_LIMIT));
    }

    /** Likely duplicates of a question: embedded as a stored question would be, so the two sides compare like for like. */
    public SearchResult duplicates(QuestionRequests.Duplicates request) {
        return match(p -> p.embedDocuments(List.of(new DocumentText(blankToNull(request.title()), request.content())))
                .vectors().get(0), orDefault(request.threshold(), DUPLICATE_THRESHOLD), orDefault(request.limit(), DUPLICATE_LIMIT));
    }

    private interface Embedding {
        float[] with(EmbeddingProvider provider);
    }

    /**
     * The query embedded with the model of the column the search reads (the source before an online
     * migration's cutover, the target after), then searched; a swap between the two is seen under
     * the table lock and the query embedded again with the other model, once.
     */
    private SearchResult match(Embedding embedding, double threshold, int limit) {
        for (int attempt = 0;; attempt++) {
            EmbeddingLayout.SearchPlan plan = checkedPlan();
            if (!plan.liveServable() && !plan.shadow()) {
                throw ProblemException.conflict("questions.embedding holds " + plan.model() + " vectors, and that model can no "
                        + "longer be served: queries cannot be embedded for it. Move the store (POST /api/migration/online, "
                        + "or POST /api/migration/apply and a backfill).");
            }
            float[] query = embed(() -> embedding.with(providerFor(plan.model(), plan.dimensions())));
            var found = repository.match(query, threshold, limit, plan.shadow(), plan.migrationId(), plan.swaps());
            if (found.isPresent()) {
                Double coverage = plan.coverage() == null ? null : plan.coverage().total() == 0 ? 1.0
                        : (double) plan.coverage().done() / plan.coverage().total();
                return new SearchResult(found.get(), plan.shadow() ? "embedding_next" : "embedding", coverage);
            }
            if (attempt >= 1) {
                throw new ProblemException(new Problem(Response.Status.SERVICE_UNAVAILABLE.getStatusCode(), "Service Unavailable",
                        "The columns were swapped twice during this search; try again"));
            }
        }
    }

    private EmbeddingProvider providerFor(String model, int dimensions) {
        return model.equals(configured.model()) && dimensions == configured.dimensions()
                ? configured : providers.forModel(model, dimensions);
    }

    private interface Call {
        float[] get();
    }

    private static float[] embed(Call call) {
        try {
            return call.get();
        } catch (EmbeddingException e) {
            if (e.code() == EmbeddingException.Code.INVALID_ARGUMENT || e.code() == EmbeddingException.Code.INPUT_TOO_LONG) {
                throw ProblemException.badRequest("The embedding provider refused this text: " + e.getMessage());
            }
            throw new ProblemException(new Problem(Response.Status.SERVICE_UNAVAILABLE.getStatusCode(), "Service Unavailable",
                    "The embedding provider is not available: " + e.getMessage()).with("errorCode", e.code().name()));
        }
    }

    /**
     * The plan, with the 409 column guard. During an online migration a swap may commit between
     * reading the plan and reading the column: then the plan is read again, once, rather than
     * refusing a request that the new layout serves.
     */
    private EmbeddingLayout.SearchPlan checkedPlan() {
        EmbeddingLayout.SearchPlan plan = layout.searchPlan();
        try {
            requireColumn(plan);
            return plan;
        } catch (ProblemException e) {
            if (plan.migrationId() == null) {
                throw e;
            }
            EmbeddingLayout.SearchPlan again = layout.searchPlan();
            requireColumn(again);
            return again;
        }
    }

    private void requireColumn(EmbeddingLayout.SearchPlan plan) {
        if (!plan.shadow()) {
            schema.requireEmbeddingColumn(plan.dimensions(), plan.model());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
