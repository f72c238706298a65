package dev.reembed.embedding;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bucket4j.TimeMeter;

/** A clock that only moves when something sleeps on it: limiter and retry tests never wait for real. */
public class FakeTime implements TimeMeter, Sleeper {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public long currentTimeNanos() {
        return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
        return false;
    }

    @Override
    public void sleep(Duration duration) {
        sleeps.add(duration);
        nanos.addAndGet(duration.toNanos());
    }

    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    public Duration elapsedSince(long startNanos) {
        return Duration.ofNanos(nanos.get() - startNanos);
    }

    public List<Duration> sleeps() {
        return sleeps;
    }

    public Duration totalSlept() {
        return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
    }
}
