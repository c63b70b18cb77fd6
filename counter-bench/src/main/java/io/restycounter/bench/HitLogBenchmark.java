package io.restycounter.bench;

import io.restycounter.core.CounterKey;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.log.DailyFileHitLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lines per second the log writer puts into its file: queue, JSON encoding and the write, measured
 * end to end by appending a batch and waiting until it is handed to the operating system.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HitLogBenchmark {

    private static final int BATCH = 10_000;

    private Path dir;
    private DailyFileHitLog log;
    private Hit hit;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("hitlog-bench");
        log = new DailyFileHitLog(dir, ZoneOffset.UTC, "bench-1", GeoIp.none(), BATCH * 2);
        log.start();
        hit = new Hit(Instant.parse("2026-11-29T12:00:00Z").toEpochMilli(), new CounterKey("acme", "newsletter-2026-11"),
                1, 200, "GET", "/p/acme/newsletter-2026-11", "203.0.113.77", null, "px.example.com", "https",
                "https://mail.example.com/inbox",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
    }

    @TearDown
    public void tearDown() throws IOException {
        log.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writeLines() {
        for (int i = 0; i < BATCH; i++) {
            if (!log.append(hit)) {
                throw new IllegalStateException("queue full");
            }
        }
        log.flush();
    }
}
