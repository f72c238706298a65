package dev.reembed.embedding.local;

import java.util.ArrayList;
import java.util.List;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.EmbeddingProvider;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;

/**
 * all-MiniLM-L6-v2 in-process (langchain4j, ONNX Runtime; the model is inside the jar, nothing is
 * downloaded): 384 d, offline, free. JVM only: ONNX Runtime's native library is not set up for a
 * GraalVM native image, so native builds use gemini or vertex-ai. The model has no title field, so
 * documents are embedded as "title\n\ncontent"; texts longer than its 256-token window are split
 * and averaged by langchain4j, so nothing is refused for length. Loaded on first use (~90 MB).
 */
public class LocalEmbeddingProvider implements EmbeddingProvider {

    public static final String MODEL = "all-minilm-l6-v2";
    public static final int DIMENSIONS = 384;

    private volatile EmbeddingModel embeddingModel;

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        return embed(documents.stream().map(DocumentText::titlePrefixed).toList());
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        return embed(queries);
    }

    private EmbeddingBatch embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new EmbeddingBatch(List.of(), 0);
        }
        Response<List<Embedding>> response;
        try {
            response = onnx().embedAll(texts.stream().map(TextSegment::from).toList());
        } catch (RuntimeException | LinkageError e) {
            throw new EmbeddingException(Code.INTERNAL, "the local model failed: " + e, null, List.of(), e);
        }
        List<Embedding> embeddings = response.content();
        if (embeddings.size() != texts.size()) {
            throw new EmbeddingException(Code.BAD_RESPONSE,
                    "the local model returned " + embeddings.size() + " vectors for " + texts.size() + " texts");
        }
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (Embedding e : embeddings) {
            vectors.add(Vectors.normalised(e.vector(), DIMENSIONS));
        }
        TokenUsage usage = response.tokenUsage();
        long tokens = usage != null && usage.inputTokenCount() != null ? usage.inputTokenCount()
                : texts.stream().mapToLong(TokenEstimator::estimate).sum();
        return new EmbeddingBatch(vectors, tokens);
    }

    private EmbeddingModel onnx() {
        EmbeddingModel m = embeddingModel;
        if (m == null) {
            synchronized (this) {
                m = embeddingModel;
                if (m == null) {
                    m = new AllMiniLmL6V2EmbeddingModel();
                    embeddingModel = m;
                }
            }
        }
        return m;
    }

    @Override
    public String model() {
        return MODEL;
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    @Override
    public String name() {
        return EmbeddingConfig.LOCAL;
    }

    /** In-process: a call is one request, however many texts. */
    @Override
    public int maxItemsPerRequest() {
        return Integer.MAX_VALUE;
    }
}
