package dev.reembed.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

class CostTest {

    @Test
    void priceTimesTokensPerMillionToSixDecimalsAndUnknownWithoutAPrice() {
        assertThat(Cost.usd(new BigDecimal("0.15"), 2_000_000)).isEqualByComparingTo("0.30");
        assertThat(Cost.usd(new BigDecimal("0.13"), 7)).isEqualTo(new BigDecimal("0.000001"));
        assertThat(Cost.usd(null, 1_000)).isNull();
    }
}
