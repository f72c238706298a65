package dev.reembed.embedding.voyage;

import java.util.List;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.CappedEmbeddingProvider;
import dev.reembed.embedding.IndexedVectors;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.ModelSpec;
import dev.reembed.embedding.RequestCaps;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.call.ProviderCaller;
import dev.reembed.embedding.voyage.VoyageDtos.EmbeddingRequest;
import dev.reembed.embedding.voyage.VoyageDtos.EmbeddingResponse;

/**
 * Voyage AI {@code POST /v1/embeddings}. Stored documents go as {@code input_type: "document"} with
 * {@link DocumentText#titlePrefixed()} text (Voyage has no title field), searches as
 * {@code input_type: "query"}. A call is cut into requests by the registry's caps: 1000 texts and the
 * model's tokens per request (120K, 320K or 1M). {@code output_dimension} is sent only for models the
 * registry marks reducible; {@code truncation: true} so a text the estimate let through is cut by
 * Voyage rather than failing its batch. Vectors are put back in input order by {@code data[].index},
 * checked and L2-normalised; the token count is Voyage's {@code usage.total_tokens}.
 */
public class VoyageEmbeddingProvider extends CappedEmbeddingProvider {

    static final String DOCUMENT = "document";
    static final String QUERY = "query";

    private final VoyageClient client;
    private final String authorization;
    private final boolean sendDimension;
    private final InputLimit inputLimit;
    private final ProviderCaller caller;

    /** @param batchSize {@code reembed.voyage.batch-size}, a further cap on texts per request */
    public VoyageEmbeddingProvider(VoyageClient client, String apiKey, ModelSpec spec, int dimensions, int batchSize,
            InputLimit inputLimit, ProviderCaller caller) {
        super(EmbeddingConfig.VOYAGE, spec.id(), dimensions, RequestCaps.of(spec, batchSize));
        this.client = client;
        this.authorization = "Bearer " + apiKey;
        this.sendDimension = spec.reducible();
        this.inputLimit = inputLimit;
        this.caller = caller;
    }

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        return embed(inputLimit.texts(documents.stream().map(DocumentText::titlePrefixed).toList()), DOCUMENT);
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        return embed(inputLimit.texts(queries), QUERY);
    }

    private EmbeddingBatch embed(List<String> texts, String inputType) {
        return inSlices(texts.stream().map(TokenEstimator::estimate).toList(), slice -> {
            List<Integer> indexes = slice.indexes();
            String what = "Voyage embeddings (" + model + ", " + inputType + ", items " + slice.from() + "-"
                    + (slice.to() - 1) + ")";
            EmbeddingRequest request = new EmbeddingRequest(texts.subList(slice.from(), slice.to()), model, inputType,
                    sendDimension ? dimensions : null, true);
            EmbeddingResponse body = caller.call(what, slice.tokens(), indexes,
                    () -> client.embeddings(authorization, request));
            List<IndexedVectors.Item> items = body == null || body.data() == null ? List.of()
                    : body.data().stream().map(d -> d == null ? null : new IndexedVectors.Item(d.index(), d.embedding()))
                            .toList();
            return new Answer(IndexedVectors.inInputOrder(what, items, slice.size(), dimensions, indexes),
                    body == null || body.usage() == null ? null : body.usage().totalTokens());
        });
    }
}
