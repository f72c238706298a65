package dev.reembed.embedding.gemini;

import java.util.ArrayList;
import java.util.List;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingProvider;
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
public class GeminiEmbeddingProvider implements EmbeddingProvider {

    private final GeminiClient client;
    private final String apiKey;
    private final String model;
    private final int dimensions;
    private final RequestCaps caps;
    private final GeminiTask task;
    private final InputLimit inputLimit;
    private final ProviderCaller caller;

    /** @param caps items per batchEmbedContents (≤ 100: the API refuses more) */
    public GeminiEmbeddingProvider(GeminiClient client, String apiKey, String model, int dimensions, RequestCaps caps,
            InputLimit inputLimit, ProviderCaller caller) {
        this.client = client;
        this.apiKey = apiKey;
        this.model = model;
        this.dimensions = dimensions;
        this.caps = new RequestCaps(Math.min(caps.maxItems(), 100), caps.maxTokens());
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
        List<float[]> vectors = new ArrayList<>(items.size());
        long totalTokens = 0;
        for (RequestCaps.Slice slice : caps.split(tokens)) {
            int from = slice.from();
            int to = slice.to();
            List<Integer> indexes = slice.indexes();
            long batchTokens = slice.tokens();
            String what = "Gemini batchEmbedContents (" + model + ", items " + from + "-" + (to - 1) + ")";
            BatchEmbedRequest request = new BatchEmbedRequest(items.subList(from, to));
            BatchEmbedResponse response = caller.call(what, batchTokens, indexes,
                    () -> client.batchEmbedContents(model, apiKey, request));
            vectors.addAll(check(what, response, to - from, indexes));
            totalTokens += batchTokens;
        }
        return new EmbeddingBatch(vectors, totalTokens);
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

    @Override
    public String model() {
        return model;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public String name() {
        return EmbeddingConfig.GEMINI;
    }

    /** {@code reembed.gemini.batch-size}, at most 100 (batchEmbedContents refuses more). */
    @Override
    public int maxItemsPerRequest() {
        return caps.maxItems();
    }

    @Override
    public String toString() {
        // Never the key.
        return "GeminiEmbeddingProvider[" + model + ", " + dimensions + " d]";
    }
}
