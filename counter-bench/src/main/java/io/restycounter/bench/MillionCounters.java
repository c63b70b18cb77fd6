package io.restycounter.bench;

import io.restycounter.core.CounterKey;
import io.restycounter.core.embedded.MemoryCounterStore;
import java.lang.management.ManagementFactory;
import java.time.LocalDate;

/**
 * Heap that one day of N distinct counters takes in the embedded store (the same per-counter shape,
 * a map entry and a LongAdder, as the Redis store's unflushed deltas). Prints the heap used after a
 * full GC with and without them, and the JVM's default maximum heap.
 * Usage: java -cp counter-bench.jar io.restycounter.bench.MillionCounters [N]
 */
public final class MillionCounters {

    private MillionCounters() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long before = usedAfterGc();
        MemoryCounterStore store = new MemoryCounterStore(3, n + 1);
        LocalDate day = LocalDate.parse("2026-11-29");
        for (int i = 0; i < n; i++) {
            if (!store.increment(new CounterKey("t" + (i % 1000), "newsletter-2026-11-" + i), day, 1)) {
                throw new IllegalStateException("refused at " + i);
            }
        }
        long after = usedAfterGc();
        long max = Runtime.getRuntime().maxMemory();
        System.out.printf("%,d counters: %,d MiB of heap (%d bytes each); default max heap %,d MiB%n",
                n, (after - before) >> 20, (after - before) / n, max >> 20);
        if (store.get(new CounterKey("t0", "newsletter-2026-11-0"), day) != 1) {
            throw new AssertionError("lost a count");
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
