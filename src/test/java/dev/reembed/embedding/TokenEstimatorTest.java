package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    @Test
    void estimatesHighForAsciiAndOneTokenPerOtherCodePoint() {
        assertThat(TokenEstimator.estimate("")).isZero();
        assertThat(TokenEstimator.estimate("abcdef")).isEqualTo(2);
        assertThat(TokenEstimator.estimate("日本語")).isEqualTo(3);
    }

    @Test
    void truncationKeepsTheLongestPrefixWithinTheLimit() {
        String text = "x".repeat(10_000);
        String cut = TokenEstimator.truncate(text, 2048);
        assertThat(TokenEstimator.estimate(cut)).isEqualTo(2048);
        assertThat(text).startsWith(cut);
        assertThat(TokenEstimator.truncate("short", 2048)).isEqualTo("short");
    }

    @Test
    void documentBudgetIncludesTheTitle() {
        InputLimit limit = new InputLimit(10, "truncate");
        DocumentText d = limit.documents(List.of(new DocumentText("t".repeat(12), "c".repeat(100)))).get(0);
        assertThat(TokenEstimator.estimate(d.title()) + TokenEstimator.estimate(d.content())).isLessThanOrEqualTo(10);
    }
}
