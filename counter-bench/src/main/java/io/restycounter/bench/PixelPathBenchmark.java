package io.restycounter.bench;

import io.restycounter.core.http.PixelRequest;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Parsing and validating a pixel request: path segments, percent-decoding, v, redir. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PixelPathBenchmark {

    private static final Pattern ALLOWED = Pattern.compile("(www\\.)?example\\.com", Pattern.CASE_INSENSITIVE);

    @Benchmark
    public PixelRequest plain() {
        return PixelRequest.parse("/acme/newsletter-2026-11", null, 1000, null);
    }

    @Benchmark
    public PixelRequest withIncrement() {
        return PixelRequest.parse("/acme/newsletter-2026-11", "v=25", 1000, null);
    }

    @Benchmark
    public PixelRequest percentEncoded() {
        return PixelRequest.parse("/acme/news%7Eletter%2E2026", "v=2", 1000, null);
    }

    @Benchmark
    public PixelRequest redirect() {
        return PixelRequest.parse("/acme/mail-1", "redir=https%3A%2F%2Fwww.example.com%2Flanding%3Fa%3D1", 1000, ALLOWED);
    }

    @Benchmark
    public PixelRequest refused() {
        return PixelRequest.parse("/ACME/../x", null, 1000, null);
    }
}
