package dev.reembed.embedding;

import java.util.ArrayList;
import java.util.List;

/**
 * How much one API request of a vendor may carry: at most {@code maxItems} texts and at most
 * {@code maxTokens} (estimated) tokens summed over them. A call's texts are cut into consecutive
 * requests by both, so each provider is sent what its own API accepts rather than one global
 * batch size. The caps come from the registry ({@link ModelSpec#maxItemsPerRequest()},
 * {@link ModelSpec#maxTokensPerRequest()}).
 */
public record RequestCaps(int maxItems, long maxTokens) {

    public static final RequestCaps UNBOUNDED = new RequestCaps(Integer.MAX_VALUE, Long.MAX_VALUE);

    public RequestCaps {
        if (maxItems < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("request caps must be positive: " + maxItems + " items, " + maxTokens + " tokens");
        }
    }

    /** The caps of {@code spec}, with {@code configuredItems} (a batch-size setting) as a further item cap. */
    public static RequestCaps of(ModelSpec spec, int configuredItems) {
        int items = spec.maxItemsPerRequest() == null ? configuredItems : Math.min(configuredItems, spec.maxItemsPerRequest());
        long tokens = spec.maxTokensPerRequest() == null ? Long.MAX_VALUE : spec.maxTokensPerRequest();
        return new RequestCaps(Math.max(1, items), tokens);
    }

    /** One request: the texts {@code from} (inclusive) to {@code to} (exclusive) of the call. */
    public record Slice(int from, int to, long tokens) {

        public List<Integer> indexes() {
            List<Integer> out = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                out.add(i);
            }
            return out;
        }

        public int size() {
            return to - from;
        }
    }

    /**
     * Consecutive requests covering every text, each within both caps. A text that alone is over the
     * token cap goes alone (the input limit keeps texts under the model's own limit, which is lower).
     */
    public List<Slice> split(List<Long> tokensPerText) {
        List<Slice> out = new ArrayList<>();
        int from = 0;
        long sum = 0;
        for (int i = 0; i < tokensPerText.size(); i++) {
            long t = tokensPerText.get(i);
            boolean full = i - from >= maxItems || (i > from && sum + t > maxTokens);
            if (full) {
                out.add(new Slice(from, i, sum));
                from = i;
                sum = 0;
            }
            sum += t;
        }
        if (from < tokensPerText.size()) {
            out.add(new Slice(from, tokensPerText.size(), sum));
        }
        return out;
    }
}
