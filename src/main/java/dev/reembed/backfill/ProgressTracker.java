package dev.reembed.backfill;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;

/**
 * rows/s over the last minute, from the run's counters sampled every two seconds (one row read).
 * The counters are global, so every replica computes the same rate whichever replica serves the
 * poll. A plain deque because the window is tiny and per process.
 */
@ApplicationScoped
public class ProgressTracker {

    static final Duration WINDOW = Duration.ofSeconds(60);

    private record Sample(Instant at, long processed) {
    }

    private final RunRepository repository;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private long runId = -1;

    /** The active run as last sampled, for the gauges (null: none). */
    private volatile RunRow active;

    public ProgressTracker(RunRepository repository, MeterRegistry meters) {
        this.repository = repository;
        for (RunStatus status : RunStatus.ACTIVE) {
            Gauge.builder("reembed.backfill.run.active", () -> active != null && active.status() == status ? 1 : 0)
                    .description("1 while the active run is in this state").tag("status", status.name()).register(meters);
        }
        Gauge.builder("reembed.backfill.run.processed", () -> active == null ? 0 : active.succeeded() + active.failed())
                .description("Rows processed by the active run").register(meters);
        Gauge.builder("reembed.backfill.run.total", () -> active == null ? 0 : active.total())
                .description("Rows in the active run").register(meters);
    }

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sample() {
        active = repository.activeRun().orElse(null);
        RunRow r = active;
        if (r != null && r.status() == RunStatus.RUNNING) {
            record(r.id(), r.succeeded() + r.failed());
        }
    }

    synchronized void record(long id, long processed) {
        Instant now = Instant.now();
        if (id != runId) {
            samples.clear();
            runId = id;
        }
        samples.addLast(new Sample(now, processed));
        while (samples.size() > 2 && Duration.between(samples.peekFirst().at(), now).compareTo(WINDOW) > 0) {
            samples.removeFirst();
        }
    }

    /** rows/s of a RUNNING run over the recent window; null until two samples a second apart exist. */
    synchronized Double recentRate(long id) {
        if (id != runId || samples.size() < 2) {
            return null;
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        double seconds = Duration.between(first.at(), last.at()).toMillis() / 1000.0;
        return seconds < 1 ? null : (last.processed() - first.processed()) / seconds;
    }
}
