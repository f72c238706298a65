package dev.reembed.embedding;

import java.time.Duration;

/** Waits; injectable so retry and limiter tests advance a fake clock instead of wall time. */
@FunctionalInterface
public interface Sleeper {

    Sleeper SYSTEM = d -> Thread.sleep(d.toMillis(), (int) (d.toNanosPart() % 1_000_000));

    void sleep(Duration duration) throws InterruptedException;
}
