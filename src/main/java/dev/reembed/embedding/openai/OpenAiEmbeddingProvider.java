package dev.reembed.embedding.openai;

import java.util.List;

import org.jboss.resteasy.reactive.RestResponse;

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
import dev.reembed.embedding.openai.OpenAiDtos.EmbeddingRequest;
import dev.reembed.embedding.openai.OpenAiDtos.EmbeddingResponse;

/**
 * OpenAI {@code POST /v1/embeddings}. A call's texts are cut into requests by the registry's caps
 * (2048 inputs and 300,000 tokens summed per request, fewer inputs if {@code reembed.openai.batch-size}
 * says so); vectors are put back in input order by {@code data[].index}, checked and L2-normalised.
 *
 * <p>OpenAI has no title field and no document/query switch: a document is embedded as
 * {@link DocumentText#titlePrefixed()} ("title\n\ncontent"), and queries exactly the same way as
 * documents, so a query equal to a document's text gets the same vector.
 *
 * <p>{@code dimensions} is sent only to models the registry marks reducible (text-embedding-3-*):
 * ada-002 refuses the field. The token count is OpenAI's own {@code usage.prompt_tokens}; the
 * x-ratelimit-* headers of every answer go to the shared limiter.
 */
public class OpenAiEmbeddingProvider extends CappedEmbeddingProvider {

    static final String FLOAT = "float";

    private final OpenAiClient client;
    private final String authorization;
    private final boolean sendDimensions;
    private final InputLimit inputLimit;
    private final ProviderCaller caller;

    /** @param batchSize {@code reembed.openai.batch-size}, a further cap on inputs per request */
    public OpenAiEmbeddingProvider(OpenAiClient client, String apiKey, ModelSpec spec, int dimensions, int batchSize,
            InputLimit inputLimit, ProviderCaller caller) {
        super(EmbeddingConfig.OPENAI, spec.id(), dimensions, RequestCaps.of(spec, batchSize));
        this.client = client;
        this.authorization = "Bearer " + apiKey;
        this.sendDimensions = spec.reducible();
        this.inputLimit = inputLimit;
        this.caller = caller;
    }

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        return embed(inputLimit.texts(documents.stream().map(DocumentText::titlePrefixed).toList()));
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        return embed(inputLimit.texts(queries));
    }

    private EmbeddingBatch embed(List<String> texts) {
        return inSlices(texts.stream().map(TokenEstimator::estimate).toList(), slice -> {
            List<Integer> indexes = slice.indexes();
            String what = "OpenAI embeddings (" + model + ", items " + slice.from() + "-" + (slice.to() - 1) + ")";
            EmbeddingRequest request = new EmbeddingRequest(texts.subList(slice.from(), slice.to()), model,
                    sendDimensions ? dimensions : null, FLOAT);
            RestResponse<EmbeddingResponse> answer = caller.call(what, slice.tokens(), indexes,
                    () -> client.embeddings(authorization, request));
            caller.observe(OpenAiQuotaHeaders.read(answer::getHeaderString));
            EmbeddingResponse body = answer.getEntity();
            List<IndexedVectors.Item> items = body == null || body.data() == null ? List.of()
                    : body.data().stream().map(d -> d == null ? null : new IndexedVectors.Item(d.index(), d.embedding()))
                            .toList();
            return new Answer(IndexedVectors.inInputOrder(what, items, slice.size(), dimensions, indexes),
                    body == null || body.usage() == null ? null : body.usage().promptTokens());
        });
    }
}
