package io.restycounter.bench;

import io.restycounter.core.CounterKey;
import io.restycounter.core.embedded.MemoryCounterStore;
import java.time.LocalDate;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** Counting under contention: every thread adds to the same few counters, or spreads over many. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(4)
public class DeltaBenchmark {

    @Param({"1", "1000"})
    int counters;

    private MemoryCounterStore store;
    private CounterKey[] keys;
    private final LocalDate day = LocalDate.parse("2026-11-29");

    @Setup
    public void setUp() {
        store = new MemoryCounterStore(3, 10_000_000);
        keys = new CounterKey[counters];
        for (int i = 0; i < counters; i++) {
            keys[i] = new CounterKey("acme", "c" + i);
        }
    }

    @Benchmark
    public boolean increment() {
        CounterKey key = keys[counters == 1 ? 0 : ThreadLocalRandom.current().nextInt(counters)];
        return store.increment(key, day, 1);
    }

    /** What the engine does per hit since hourly counts: the day's count and its hour's. */
    @Benchmark
    public boolean incrementWithHour() {
        CounterKey key = keys[counters == 1 ? 0 : ThreadLocalRandom.current().nextInt(counters)];
        return store.increment(key, day, 10, 1);
    }
}
