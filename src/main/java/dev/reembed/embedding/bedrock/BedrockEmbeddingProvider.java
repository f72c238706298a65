package dev.reembed.embedding.bedrock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

import dev.reembed.embedding.DocumentText;
import dev.reembed.embedding.EmbeddingBatch;
import dev.reembed.embedding.EmbeddingConfig;
import dev.reembed.embedding.EmbeddingException;
import dev.reembed.embedding.EmbeddingException.Code;
import dev.reembed.embedding.CappedEmbeddingProvider;
import dev.reembed.embedding.InputLimit;
import dev.reembed.embedding.ModelSpec;
import dev.reembed.embedding.RequestCaps;
import dev.reembed.embedding.RequestCaps.Slice;
import dev.reembed.embedding.TokenEstimator;
import dev.reembed.embedding.Vectors;
import dev.reembed.embedding.call.ProviderCaller;

/**
 * Amazon Bedrock InvokeModel through the AWS SDK, for two model families:
 * <ul>
 * <li><b>Titan Text Embeddings V2</b>: {@code {"inputText", "dimensions", "normalize": true}}, one text per
 * request, answered {@code {"embedding": [...], "inputTextTokenCount": n}}. Titan has no document/query
 * switch: documents and queries are embedded alike (documents as "title\n\ncontent").</li>
 * <li><b>Cohere Embed v3</b> (english, multilingual): {@code {"texts": [≤ 96], "input_type":
 * "search_document"|"search_query", "truncate"}}, answered {@code {"id", "response_type", "embeddings",
 * "texts"}}, where {@code embeddings} is a list of vectors or, with embedding_types, {@code {"float": [...]}}.</li>
 * </ul>
 * A call's texts are cut into requests by the registry's caps ({@link RequestCaps}) and sent
 * {@code concurrency} at a time, each through the {@link ProviderCaller} (limiter, retries). Every vector
 * is checked and L2-normalised. Tokens: Titan's own count; Bedrock's input-token header where it sends one;
 * otherwise the {@link TokenEstimator} estimate.
 */
public class BedrockEmbeddingProvider extends CappedEmbeddingProvider {

    static final String SEARCH_DOCUMENT = "search_document";
    static final String SEARCH_QUERY = "search_query";
    static final String TOKEN_HEADER = "X-Amzn-Bedrock-Input-Token-Count";

    /** What differs between the model families: the body, the answer, the character cap of a text. */
    enum Family {
        /** The character cap is not a binding one: the registry's 8,192-token limit keeps texts far below. */
        TITAN(50_000),
        /** Bedrock's documented cap: 0-2,048 characters per text. */
        COHERE(2_048);

        final int maxCharacters;

        Family(int maxCharacters) {
            this.maxCharacters = maxCharacters;
        }
    }

    static final Map<String, Family> MODELS = Map.of(
            "amazon.titan-embed-text-v2:0", Family.TITAN,
            "cohere.embed-english-v3", Family.COHERE,
            "cohere.embed-multilingual-v3", Family.COHERE);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final BedrockRuntimeClient client;
    private final Family family;
    private final InputLimit inputLimit;
    private final String truncate;
    private final int concurrency;
    private final ProviderCaller caller;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "reembed-bedrock-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /**
     * @param truncateOverLimit Cohere's {@code truncate}: END when reembed truncates long texts, NONE when it
     *                          rejects them (so Bedrock refuses what the estimate let through instead of cutting it)
     */
    public BedrockEmbeddingProvider(BedrockRuntimeClient client, ModelSpec spec, int dimensions, InputLimit inputLimit,
            boolean truncateOverLimit, int concurrency, ProviderCaller caller) {
        super(EmbeddingConfig.BEDROCK, spec.id(), dimensions, RequestCaps.of(spec, Integer.MAX_VALUE));
        this.family = MODELS.get(spec.id());
        if (family == null) {
            throw new EmbeddingException(Code.INTERNAL, "the bedrock provider embeds with " + MODELS.keySet()
                    + ", not " + spec.id());
        }
        this.client = client;
        if (family == Family.TITAN && caps.maxItems() != 1) {
            throw new IllegalStateException("Titan's body has one inputText; the registry must cap it at 1 item");
        }
        this.inputLimit = inputLimit;
        this.truncate = truncateOverLimit ? "END" : "NONE";
        this.concurrency = Math.max(1, concurrency);
        this.caller = caller;
    }

    @Override
    public EmbeddingBatch embedDocuments(List<DocumentText> documents) {
        return embed(documents.stream().map(DocumentText::titlePrefixed).toList(), SEARCH_DOCUMENT);
    }

    @Override
    public EmbeddingBatch embedQueries(List<String> queries) {
        return embed(queries, SEARCH_QUERY);
    }

    private record Answer(List<float[]> vectors, long tokens) {
    }

    private EmbeddingBatch embed(List<String> raw, String inputType) {
        List<String> texts = withinCharacters(inputLimit.texts(raw));
        List<Long> tokens = texts.stream().map(TokenEstimator::estimate).toList();
        List<Slice> slices = caps.split(tokens);
        List<Answer> answers = inParallel(slices.size(),
                i -> invoke(slices.get(i), texts.subList(slices.get(i).from(), slices.get(i).to()), inputType));
        List<float[]> vectors = new ArrayList<>(texts.size());
        long total = 0;
        for (Answer a : answers) {
            vectors.addAll(a.vectors());
            total += a.tokens();
        }
        return new EmbeddingBatch(vectors, total);
    }

    /** The one place the family's character cap is applied, after the token limit (which nearly always binds first). */
    private List<String> withinCharacters(List<String> texts) {
        int max = family.maxCharacters;
        List<String> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            if (t.length() <= max) {
                out.add(t);
            } else {
                int end = Character.isHighSurrogate(t.charAt(max - 1)) ? max - 1 : max; // never half a code point
                out.add(t.substring(0, end));
            }
        }
        return out;
    }

    private Answer invoke(Slice slice, List<String> texts, String inputType) {
        String what = "Bedrock InvokeModel (" + model + ", "
                + (slice.size() == 1 ? "item " + slice.from() : "items " + slice.from() + "-" + (slice.to() - 1)) + ")";
        InvokeModelRequest request = InvokeModelRequest.builder()
                .modelId(model)
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromUtf8String(body(texts, inputType)))
                .build();
        InvokeModelResponse response = caller.call(what, slice.tokens(), slice.indexes(), () -> client.invokeModel(request));
        JsonNode json;
        try {
            json = JSON.readTree(response.body().asByteArray());
        } catch (java.io.IOException | RuntimeException e) {
            throw bad(what + " answered with a body that is not JSON", slice);
        }
        List<float[]> vectors = vectors(what, json, slice);
        long tokens = family == Family.TITAN && json.path("inputTextTokenCount").canConvertToLong()
                && json.path("inputTextTokenCount").asLong() > 0
                ? json.path("inputTextTokenCount").asLong()
                : response.sdkHttpResponse().firstMatchingHeader(TOKEN_HEADER).flatMap(BedrockEmbeddingProvider::parseLong)
                        .orElse(slice.tokens());
        return new Answer(vectors, tokens);
    }

    private String body(List<String> texts, String inputType) {
        ObjectNode body = JSON.createObjectNode();
        if (family == Family.TITAN) {
            body.put("inputText", texts.get(0)).put("dimensions", dimensions).put("normalize", true);
        } else {
            ArrayNode array = body.putArray("texts");
            texts.forEach(array::add);
            body.put("input_type", inputType).put("truncate", truncate);
        }
        return body.toString();
    }

    /** The answer's vectors, checked (count, dimension, finite, non-zero) and normalised; BAD_RESPONSE otherwise. */
    private List<float[]> vectors(String what, JsonNode json, Slice slice) {
        List<JsonNode> got = new ArrayList<>();
        if (family == Family.TITAN) {
            JsonNode one = json.has("embedding") ? json.get("embedding") : json.path("embeddingsByType").path("float");
            if (one.isArray()) {
                got.add(one);
            }
        } else {
            JsonNode all = json.path("embeddings");
            all = all.isObject() ? all.path("float") : all; // embeddings_by_type: {"float": [[...]]}
            all.forEach(got::add);
        }
        if (got.size() != slice.size()) {
            throw bad(what + " returned " + got.size() + " embeddings for " + slice.size() + " inputs", slice);
        }
        List<float[]> out = new ArrayList<>(got.size());
        for (JsonNode v : got) {
            if (v == null || !v.isArray()) {
                throw bad(what + " returned an embedding that is not a list of numbers", slice);
            }
            float[] values = new float[v.size()];
            for (int d = 0; d < values.length; d++) {
                if (!v.get(d).isNumber()) {
                    throw bad(what + " returned a vector with a value that is not a number", slice);
                }
                values[d] = v.get(d).floatValue();
            }
            try {
                out.add(Vectors.normalised(values, dimensions));
            } catch (EmbeddingException e) {
                throw bad(what + " returned an unusable vector: " + e.getMessage(), slice);
            }
        }
        return out;
    }

    private static EmbeddingException bad(String message, Slice slice) {
        return new EmbeddingException(Code.BAD_RESPONSE, message, null, slice.indexes(), null);
    }

    private static java.util.Optional<Long> parseLong(String s) {
        try {
            return java.util.Optional.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Runs tasks 0..n-1, at most {@code concurrency} at once (the calling thread is one of them), and returns
     * their answers in order. All or nothing: after a failure no further task starts, the ones in flight
     * finish, and the failure of the earliest task is thrown.
     */
    private <T> List<T> inParallel(int n, IntFunction<T> task) {
        List<T> out = new ArrayList<>(n);
        if (n <= 1 || concurrency == 1) {
            for (int i = 0; i < n; i++) {
                out.add(task.apply(i));
            }
            return out;
        }
        Object[] answers = new Object[n];
        RuntimeException[] failures = new RuntimeException[n];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Runnable worker = () -> {
            for (int i; !stop.get() && (i = next.getAndIncrement()) < n; ) {
                try {
                    answers[i] = task.apply(i);
                } catch (RuntimeException e) {
                    failures[i] = e;
                    stop.set(true);
                }
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        for (int h = 1; h < Math.min(concurrency, n); h++) {
            helpers.add(pool.submit(worker));
        }
        worker.run();
        try {
            for (Future<?> f : helpers) {
                f.get();
            }
        } catch (InterruptedException e) {
            stop.set(true);
            helpers.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new EmbeddingException(Code.UNAVAILABLE, "Bedrock InvokeModel (" + model + ") interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // an Error in a task; RuntimeExceptions are kept above
        }
        for (int i = 0; i < n; i++) {
            if (failures[i] != null) {
                throw failures[i];
            }
        }
        for (Object a : answers) {
            @SuppressWarnings("unchecked")
            T t = (T) a;
            out.add(t);
        }
        return out;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        client.close();
    }

    @Override
    public String toString() {
        return "BedrockEmbeddingProvider[" + model + ", " + dimensions + " d, " + concurrency + " in flight]";
    }
}
