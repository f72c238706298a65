package dev.reembed.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What every vendor's provider shares: its model, dimension and request caps, and the loop of a
 * call — the texts cut into requests by the caps ({@link RequestCaps}), one request per slice in
 * order, the vectors in input order, the tokens the vendor counted (else the estimate). A call is
 * all-or-nothing: a failed request throws, and nothing of the call is returned. A vendor's class
 * says only how one request is sent and its answer read.
 */
public abstract class CappedEmbeddingProvider implements EmbeddingProvider {

    protected final String model;
    protected final int dimensions;
    protected final RequestCaps caps;
    private final String name;

    protected CappedEmbeddingProvider(String name, String model, int dimensions, RequestCaps caps) {
        this.name = name;
        this.model = model;
        this.dimensions = dimensions;
        this.caps = caps;
    }

    /**
     * One request's answer.
     *
     * @param vectors       in the slice's order, checked and normalised
     * @param countedTokens the tokens the vendor counted, null when it does not say
     */
    public record Answer(List<float[]> vectors, Long countedTokens) {
    }

    /** Sends the call's texts (their estimated tokens given) in slices, one request each, in order. */
    protected final EmbeddingBatch inSlices(List<Long> tokensPerText, Function<RequestCaps.Slice, Answer> send) {
        List<float[]> vectors = new ArrayList<>(tokensPerText.size());
        long tokens = 0;
        for (RequestCaps.Slice slice : caps.split(tokensPerText)) {
            Answer answer = send.apply(slice);
            vectors.addAll(answer.vectors());
            // A count of 0 or less (a proxy that does not count) would make the run look free: estimate.
            tokens += answer.countedTokens() != null && answer.countedTokens() > 0 ? answer.countedTokens() : slice.tokens();
        }
        return new EmbeddingBatch(vectors, tokens);
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
        return name;
    }

    /** The registry's cap for the model, or the provider's batch-size setting when smaller. */
    @Override
    public int maxItemsPerRequest() {
        return caps.maxItems();
    }

    @Override
    public String toString() {
        // Never a key: providers hold them, this names only what they embed.
        return getClass().getSimpleName() + "[" + model + ", " + dimensions + " d]";
    }
}
