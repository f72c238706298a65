package dev.reembed.embedding;

/**
 * A conservative estimate of a text's tokens, for the tokens-per-minute limiter, for cost, and to
 * keep texts under a model's input limit. Hand-written: the Gemini tokenizer is not published as a
 * Java library and countTokens would cost one request per text. The estimate errs high (about one
 * token per 3 ASCII characters, one per other code point) so a text it lets through is not refused
 * by the API for length.
 */
public final class TokenEstimator {

    private TokenEstimator() {
    }

    public static long estimate(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        long ascii = 0;
        long other = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp < 128) {
                ascii++;
            } else {
                other++;
            }
            i += Character.charCount(cp);
        }
        return (ascii + 2) / 3 + other;
    }

    /** The longest prefix of {@code text} whose estimate is at most {@code maxTokens}. */
    public static String truncate(String text, long maxTokens) {
        if (estimate(text) <= maxTokens) {
            return text;
        }
        long ascii = 0;
        long other = 0;
        int end = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp < 128) {
                ascii++;
            } else {
                other++;
            }
            if ((ascii + 2) / 3 + other > maxTokens) {
                break;
            }
            i += Character.charCount(cp);
            end = i;
        }
        return text.substring(0, end);
    }
}
