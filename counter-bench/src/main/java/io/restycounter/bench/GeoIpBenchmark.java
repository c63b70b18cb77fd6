package io.restycounter.bench;

import io.restycounter.core.Geo;
import io.restycounter.core.MmdbWriter;
import io.restycounter.core.geoip.MaxMindGeoIp;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One location lookup as the log writer does it: the MaxMind reader over a memory-mapped City
 * database (built here with the tests' MmdbWriter: 4,096 networks), with its node cache, and the
 * remembered answers per address in front of it. {@code locatedAddress} asks for one address again
 * and again (a remembered answer); {@code newAddresses} walks 1,048,576 located addresses, far more
 * than are remembered, so nearly every lookup reads the database.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GeoIpBenchmark {

    private Path file;
    private MaxMindGeoIp geo;
    private InetAddress located;
    private InetAddress unknown;
    private InetAddress[] many;
    private int next;

    @Setup
    public void setUp() throws Exception {
        MmdbWriter writer = new MmdbWriter("GeoLite2-City", 28);
        for (int i = 0; i < 4096; i++) {
            writer.insert("81." + (i >> 8) + "." + (i & 255) + ".0/24",
                    MmdbWriter.city("GB", "ENG", "City" + (i % 97), "EC" + (i % 10), 51.5, -0.1));
        }
        file = Files.createTempFile("bench", ".mmdb");
        Files.write(file, writer.build());
        geo = MaxMindGeoIp.open(file);
        located = InetAddress.getByName("81.2.69.142");
        unknown = InetAddress.getByName("203.0.113.9");
        many = new InetAddress[1 << 20];
        for (int i = 0; i < many.length; i++) {
            // 81.0.0.0 to 81.15.255.255, each address once, in an order that skips around the networks.
            int a = (i * 0x9E3779B1) >>> 12;
            many[i] = InetAddress.getByAddress(new byte[] {81, (byte) (a >> 16), (byte) (a >> 8), (byte) a});
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        geo.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public Optional<Geo> locatedAddress() {
        return geo.lookup(located);
    }

    @Benchmark
    public Optional<Geo> newAddresses() {
        InetAddress address = many[next];
        next = (next + 1) & (many.length - 1);
        return geo.lookup(address);
    }

    @Benchmark
    public Optional<Geo> unknownAddress() {
        return geo.lookup(unknown);
    }
}
