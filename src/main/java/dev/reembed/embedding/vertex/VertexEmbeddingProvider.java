package dev.reembed.embedding.vertex;

import java.util.ArrayList;
import java.util.List;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.CappedEmbeddingProvider;
import dev.reembed.embedding.RequestCaps;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.vertex.VertexDtos.Instance;
import dev.reembed.embedding.vertex.VertexDtos.Parameters;
import dev.reembed.embedding.vertex.VertexDtos.PredictRequest;
import dev.reembed.embedding.vertex.VertexDtos.PredictResponse;

/**
 * Vertex AI :predict, one instance per request (gemini-embedding-001 accepts no more), with
 * outputDimensionality and autoTruncate. Token counts are Vertex's own
 * ({@code statistics.token_count}). Same retry, limiter and checks as the Gemini provider.
 */
public class VertexEmbeddingProvider extends CappedEmbeddingProvider {

    private final VertexClient client;
    private final AccessTokens tokens;
    private final String project;
    private final String location;
    private final boolean autoTruncate;
    private final InputLimit inputLimit;
    private final ProviderCaller caller;

    public VertexEmbeddingProvider(VertexClient client, AccessTokens tokens, String project, String location,
            String model, int dimensions, boolean autoTruncate, InputLimit inputLimit, ProviderCaller caller) {
        // gemini-embedding-001 takes one instance per :predict.
        super(EmbeddingConfig.VERTEX_AI, model, dimensions, new RequestCaps(1, Long.MAX_VALUE));
        this.client = client;
        this.tokens = tokens;
        this.project = project;
        this.location = location;
        this.autoTruncate = autoTruncate;
        this.inputLimit = inputLimit;
        this.caller = caller;
    }

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        List<DocumentText> docs = inputLimit.documents(documents);
        List<Instance> instances = new ArrayList<>(docs.size());
        for (DocumentText d : docs) {
            String title = d.title() == null || d.title().isBlank() ? null : d.title();
            instances.add(new Instance(d.content(), "RETRIEVAL_DOCUMENT", title));
        }
        return embed(instances);
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        return embed(inputLimit.texts(queries).stream().map(q -> new Instance(q, "RETRIEVAL_QUERY", null)).toList());
    }

    private EmbeddingBatch embed(List<Instance> instances) {
        List<float[]> vectors = new ArrayList<>(instances.size());
        long totalTokens = 0;
        Parameters parameters = new Parameters(dimensions, autoTruncate);
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            long estimate = TokenEstimator.estimate(instance.content()) + TokenEstimator.estimate(instance.title());
            String what = "Vertex AI predict (" + model + ", item " + i + ")";
            PredictRequest request = new PredictRequest(List.of(instance), parameters);
            PredictResponse response = caller.call(what, estimate, List.of(i),
                    () -> client.predict(project, location, model, "Bearer " + tokens.accessToken(), request));
            if (response == null || response.predictions() == null || response.predictions().size() != 1
                    || response.predictions().get(0).embeddings() == null) {
                throw new EmbeddingException(Code.BAD_RESPONSE, what + " returned no embedding for one instance",
                        null, List.of(i), null);
            }
            var embeddings = response.predictions().get(0).embeddings();
            List<Float> values = embeddings.values() == null ? List.of() : embeddings.values();
            if (values.size() != dimensions) {
                throw new EmbeddingException(Code.BAD_RESPONSE, what + " returned a " + values.size()
                        + "-dimensional vector; " + dimensions + " were asked for", null, List.of(i), null);
            }
            vectors.add(Vectors.normalised(Vectors.toArray(values), dimensions));
            Long counted = embeddings.statistics() == null ? null : embeddings.statistics().tokenCount();
            totalTokens += counted != null ? counted : estimate;
        }
        return new EmbeddingBatch(vectors, totalTokens);
    }
}
