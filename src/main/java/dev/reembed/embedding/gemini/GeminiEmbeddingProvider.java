package dev.reembed.embedding.gemini;

import java.util.ArrayList;
import java.util.List;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.CappedEmbeddingProvider;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.RequestCaps;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.gemini.GeminiDtos.BatchEmbedRequest;
import dev.reembed.embedding.gemini.GeminiDtos.BatchEmbedResponse;
import dev.reembed.embedding.gemini.GeminiDtos.ContentEmbedding;
import dev.reembed.embedding.gemini.GeminiDtos.EmbedContentRequest;
import dev.reembed.embedding.call.ProviderCaller;

/**
 * The Gemini API: batchEmbedContents in requests of at most {@code batchSize} (≤ 100) items,
 * documents and queries told apart as the model wants it ({@link GeminiTask}: the taskType field,
 * or for gemini-embedding-2 an instruction in the text), the target's outputDimensionality. Every answer is checked (count, dimensions, finite, non-zero)
 * and L2-normalised: Google normalises only the full 3072-d output. The token count is an
 * estimate ({@link TokenEstimator}): batchEmbedContents reports none.
 */
public class GeminiEmbeddingProvider extends CappedEmbeddingProvider {

    private final GeminiClient client;
    private final String apiKey;
    private final GeminiTask task;
    private final InputLimit inputLimit;
    private final ProviderCaller caller;

    /** @param caps items per batchEmbedContents (≤ 100: the API refuses more) */
    public GeminiEmbeddingProvider(GeminiClient client, String apiKey, String model, int dimensions, RequestCaps caps,
            InputLimit inputLimit, ProviderCaller caller) {
        super(EmbeddingConfig.GEMINI, model, dimensions, new RequestCaps(Math.min(caps.maxItems(), 100), caps.maxTokens()));
        this.client = client;
        this.apiKey = apiKey;
        this.task = GeminiTask.of(model);
        this.inputLimit = inputLimit;
        this.caller = caller;
    }

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        List<DocumentText> docs = inputLimit.documents(documents);
        List<EmbedContentRequest> items = new ArrayList<>(docs.size());
        List<Long> tokens = new ArrayList<>(docs.size());
        for (DocumentText d : docs) {
            String text = task.documentText(d);
            String title = task.titleField(d);
            items.add(new EmbedContentRequest("models/" + model, GeminiDtos.Content.of(text),
                    task.documentTaskType(), title, dimensions));
            tokens.add(TokenEstimator.estimate(text) + TokenEstimator.estimate(title));
        }
        return embed(items, tokens);
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        List<String> texts = inputLimit.texts(queries);
        List<EmbedContentRequest> items = new ArrayList<>(texts.size());
        List<Long> tokens = new ArrayList<>(texts.size());
        for (String q : texts) {
            String text = task.queryText(q);
            items.add(new EmbedContentRequest("models/" + model, GeminiDtos.Content.of(text), task.queryTaskType(),
                    null, dimensions));
            tokens.add(TokenEstimator.estimate(text));
        }
        return embed(items, tokens);
    }

    private EmbeddingBatch embed(List<EmbedContentRequest> items, List<Long> tokens) {
        // batchEmbedContents counts no tokens: the estimate stands.
        return inSlices(tokens, slice -> {
            List<Integer> indexes = slice.indexes();
            String what = "Gemini batchEmbedContents (" + model + ", items " + slice.from() + "-" + (slice.to() - 1) + ")";
            BatchEmbedRequest request = new BatchEmbedRequest(items.subList(slice.from(), slice.to()));
            BatchEmbedResponse response = caller.call(what, slice.tokens(), indexes,
                    () -> client.batchEmbedContents(model, apiKey, request));
            return new Answer(check(what, response, slice.size(), indexes), null);
        });
    }

    /** Rejects an answer that does not match the request: nothing of it is returned, so nothing is stored. */
    private List<float[]> check(String what, BatchEmbedResponse response, int expected, List<Integer> indexes) {
        List<ContentEmbedding> got = response == null || response.embeddings() == null ? List.of()
                : response.embeddings();
        if (got.size() != expected) {
            throw new EmbeddingException(Code.BAD_RESPONSE,
                    what + " returned " + got.size() + " embeddings for " + expected + " inputs", null, indexes, null);
        }
        List<float[]> out = new ArrayList<>(expected);
        for (ContentEmbedding e : got) {
            float[] values = e == null || e.values() == null ? new float[0] : e.values();
            if (values.length != dimensions) {
                throw new EmbeddingException(Code.BAD_RESPONSE, what + " returned a " + values.length
                        + "-dimensional vector; " + dimensions + " were asked for", null, indexes, null);
            }
            out.add(Vectors.normalised(values, dimensions));
        }
        return out;
    }
}
