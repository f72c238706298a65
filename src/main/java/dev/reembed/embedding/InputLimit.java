package dev.reembed.embedding;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps every text under the model's input limit before it is sent, so the API never fails a
 * batch for length: truncates, or rejects with {@link EmbeddingException.Code#INPUT_TOO_LONG}
 * naming every oversized text ({@code reembed.embedding.oversized-input}).
 */
public final class InputLimit {

    private final long maxTokens;
    private final boolean truncate;

    public InputLimit(long maxTokens, String policy) {
        this.maxTokens = maxTokens;
        this.truncate = !"reject".equals(policy);
    }

    /** Documents with content shortened so title + content fit. */
    public List<DocumentText> documents(List<DocumentText> docs) {
        List<DocumentText> out = new ArrayList<>(docs.size());
        List<Integer> tooLong = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            DocumentText d = docs.get(i);
            long titleTokens = TokenEstimator.estimate(d.title());
            long budget = Math.max(0, maxTokens - titleTokens);
            if (TokenEstimator.estimate(d.content()) <= budget) {
                out.add(d);
            } else if (truncate) {
                out.add(new DocumentText(d.title(), TokenEstimator.truncate(d.content(), budget)));
            } else {
                tooLong.add(i);
            }
        }
        rejectIfAny(tooLong);
        return out;
    }

    /** Plain texts shortened to the limit. */
    public List<String> texts(List<String> texts) {
        List<String> out = new ArrayList<>(texts.size());
        List<Integer> tooLong = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            if (TokenEstimator.estimate(t) <= maxTokens) {
                out.add(t);
            } else if (truncate) {
                out.add(TokenEstimator.truncate(t, maxTokens));
            } else {
                tooLong.add(i);
            }
        }
        rejectIfAny(tooLong);
        return out;
    }

    private void rejectIfAny(List<Integer> tooLong) {
        if (!tooLong.isEmpty()) {
            throw new EmbeddingException(EmbeddingException.Code.INPUT_TOO_LONG,
                    tooLong.size() + " text(s) exceed the model's input limit of " + maxTokens
                            + " tokens (estimated) and reembed.embedding.oversized-input=reject",
                    null, tooLong, null);
        }
    }
}
