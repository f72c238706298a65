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

    private final QuestionRepository repository;
    private final SchemaCatalog schema;
    private final EmbeddingProvider provider;

    public QuestionService(QuestionRepository repository, SchemaCatalog schema, EmbeddingProvider provider) {
        this.repository = repository;
        this.schema = schema;
        this.provider = provider;
    }

    public QuestionViews.Created create(QuestionRequests.Create request) {
        requireColumnAtProviderDimensions();
        List<String> solutions = request.solutions() == null ? List.of() : request.solutions();
        String title = blankToNull(request.title());
        float[] vector = null;
        String error = null;
        try {
            vector = provider.embedDocuments(List.of(new DocumentText(title, request.content()))).vectors().get(0);
        } catch (EmbeddingException e) {
            if (e.code() == EmbeddingException.Code.INVALID_ARGUMENT || e.code() == EmbeddingException.Code.INPUT_TOO_LONG) {
                throw ProblemException.badRequest("The embedding provider refused this text: " + e.getMessage());
            }
            // The question is worth keeping: stored without a vector, the scheduled sweep embeds it later.
            error = e.getMessage();
            LOG.warnf("Question stored without a vector (%s); the sweep will embed it", e.code());
        }
        QuestionRepository.Stored stored = repository.insert(title, request.content(), solutions, vector, provider.model());
        QuestionViews.Embedding embedding = vector != null
                ? new QuestionViews.Embedding("EMBEDDED", provider.model(), provider.dimensions(), null)
                : new QuestionViews.Embedding("PENDING", provider.model(), provider.dimensions(), error);
        return new QuestionViews.Created(stored.id(), title, request.content(), stored.solutions(), embedding, stored.createdAt());
    }

    public QuestionViews.Created get(long id) {
        return repository.find(id).orElseThrow(() -> ProblemException.notFound("No question " + id));
    }

    public List<QuestionViews.Match> search(QuestionRequests.Search request) {
        requireColumnAtProviderDimensions();
        float[] query = embed(() -> provider.embedQueries(List.of(request.query())).vectors().get(0));
        return repository.match(query, orDefault(request.threshold(), SEARCH_THRESHOLD), orDefault(request.limit(), SEARCH_LIMIT));
    }

    /** Likely duplicates of a question: embedded as a stored question would be, so the two sides compare like for like. */
    public List<QuestionViews.Match> duplicates(QuestionRequests.Duplicates request) {
        requireColumnAtProviderDimensions();
        float[] doc = embed(() -> provider.embedDocuments(List.of(new DocumentText(blankToNull(request.title()), request.content())))
                .vectors().get(0));
        return repository.match(doc, orDefault(request.threshold(), DUPLICATE_THRESHOLD), orDefault(request.limit(), DUPLICATE_LIMIT));
    }

    private interface Embedding {
        float[] get();
    }

    private static float[] embed(Embedding call) {
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

    private void requireColumnAtProviderDimensions() {
        schema.requireEmbeddingColumn(provider.dimensions(), provider.model());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
