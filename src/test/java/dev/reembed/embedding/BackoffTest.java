package dev.reembed.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class BackoffTest {

    static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void theCeilingDoublesEachAttemptUpToTheMaximum() {
        Backoff b = new Backoff(SECOND, Duration.ofSeconds(30), () -> 0);

        assertThat(IntStream.rangeClosed(0, 6).mapToObj(b::ceiling).map(Duration::toSeconds).toList())
                .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
        assertThat(b.ceiling(10_000)).as("no overflow, however many attempts").isEqualTo(Duration.ofSeconds(30));
        assertThat(new Backoff(Duration.ofDays(365_000), Duration.ofDays(400_000), () -> 0).ceiling(62))
                .isEqualTo(Duration.ofDays(400_000));
    }

    @Test
    void fullJitterReachesBothEndsOfTheRange() {
        // attempt 3: ceiling 8 s; the jitter value is taken modulo 8001 ms.
        assertThat(new Backoff(SECOND, Duration.ofSeconds(30), () -> 8_000).delay(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(new Backoff(SECOND, Duration.ofSeconds(30), () -> 8_001).delay(3)).isEqualTo(Duration.ZERO);
        assertThat(new Backoff(SECOND, Duration.ofSeconds(30), () -> 8_001 + 1_500).delay(3)).isEqualTo(Duration.ofMillis(1_500));
    }

    @Test
    void randomDelaysSpreadOverTheWholeRangeAndNeverExceedTheCeiling() {
        Backoff b = new Backoff(SECOND, Duration.ofSeconds(30));
        List<Long> delays = IntStream.range(0, 2_000).mapToObj(i -> b.delay(2).toMillis()).toList();

        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(0L, 4_000L));
        // Full, not half, jitter: waits below half the ceiling occur too (chance of failing: 2^-2000).
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(2_000L));
        assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(2_000L));
    }

    @Test
    void aZeroInitialBackoffNeverWaits() {
        assertThat(new Backoff(Duration.ZERO, Duration.ofSeconds(30), () -> 123).delay(5)).isEqualTo(Duration.ZERO);
    }
}
