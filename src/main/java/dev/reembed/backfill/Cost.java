package dev.reembed.backfill;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** What embedding costs: the model's USD per 1M input tokens times the tokens, to 6 decimals. */
final class Cost {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private Cost() {
    }

    /** Null when the price is unknown (null). */
    static BigDecimal usd(BigDecimal pricePerMillionTokens, long tokens) {
        return pricePerMillionTokens == null ? null
                : pricePerMillionTokens.multiply(BigDecimal.valueOf(tokens)).divide(MILLION, 6, RoundingMode.HALF_UP);
    }
}
