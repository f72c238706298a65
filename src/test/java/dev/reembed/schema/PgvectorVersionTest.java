package dev.reembed.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgvectorVersionTest {

    @Test
    void comparesNumericallyNotAsStrings() {
        assertThat(PgvectorVersion.parse("0.10.0")).isGreaterThan(PgvectorVersion.parse("0.5.0"));
        assertThat("0.10.0".compareTo("0.5.0")).as("the string comparison the seed warns about").isNegative();
        assertThat(PgvectorVersion.parse("0.4.4").isBefore(PgvectorVersion.MINIMUM)).isTrue();
        assertThat(PgvectorVersion.parse("0.5.0").isBefore(PgvectorVersion.MINIMUM)).isFalse();
        assertThat(PgvectorVersion.parse("0.8.0").isBefore(PgvectorVersion.PARALLEL_HNSW_FIX)).isTrue();
        assertThat(PgvectorVersion.parse("0.8.10")).isGreaterThan(PgvectorVersion.parse("0.8.2"));
        assertThat(PgvectorVersion.parse("1.0")).isGreaterThan(PgvectorVersion.parse("0.99.99"));
    }

    @Test
    void missingPartsCountAsZero() {
        assertThat(PgvectorVersion.parse("0.5")).isEqualTo(PgvectorVersion.parse("0.5.0"));
        assertThat(PgvectorVersion.parse("0.5").hashCode()).isEqualTo(PgvectorVersion.parse("0.5.0").hashCode());
    }

    @Test
    void toleratesSuffixesAndRejectsGarbage() {
        assertThat(PgvectorVersion.parse("0.8.1-beta")).isEqualTo(PgvectorVersion.parse("0.8.1"));
        assertThatThrownBy(() -> PgvectorVersion.parse("vector")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PgvectorVersion.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
