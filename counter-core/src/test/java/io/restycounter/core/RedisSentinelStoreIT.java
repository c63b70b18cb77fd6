package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** REDIS_URL=redis-sentinel://...#master: the store finds the primary through a real Sentinel process. */
class RedisSentinelStoreIT {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:15:30Z"), ZoneOffset.UTC);
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);

    @TempDir
    Path dir;
    private RedisServer primary;
    private Process sentinel;
    private int sentinelPort;

    @BeforeEach
    void start() throws Exception {
        primary = RedisServer.launch();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            sentinelPort = s.getLocalPort();
        }
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(conf, "port " + sentinelPort + "\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 "
                + primary.port() + " 1\n");
        sentinel = new ProcessBuilder(RedisServer.findExecutable().toString(), conf.toString(), "--sentinel")
                .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cli(sentinelPort, "SENTINEL", "get-master-addr-by-name", "mymaster").contains(String.valueOf(primary.port()))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sentinel did not start: " + Files.readString(dir.resolve("sentinel.log")));
            }
            Thread.sleep(50);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (sentinel != null) {
            sentinel.destroyForcibly();
            sentinel.waitFor(10, TimeUnit.SECONDS);
        }
        primary.close();
    }

    private static String cli(int port, String... command) throws IOException, InterruptedException {
        List<String> args = new java.util.ArrayList<>(List.of(
                RedisServer.findExecutable().resolveSibling("redis-cli").toString(), "-p", String.valueOf(port)));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        return out.trim();
    }

    @Test
    void countsReachThePrimaryTheSentinelNames() throws Exception {
        String url = "redis-sentinel://127.0.0.1:" + sentinelPort + "/0#mymaster";
        CounterConfig config = CounterConfig.from(Settings.of(Map.of("REDIS_URL", url, "FLUSH_INTERVAL_MS", "60000")));
        assertEquals(CounterConfig.RedisMode.SENTINEL, config.redisMode());
        try (RedisCounterStore store = RedisCounterStore.connect(config, CLOCK)) {
            store.increment(new CounterKey("acme", "home"), TODAY, 4);
            store.flush();
            assertEquals("4", cli(primary.port(), "HGET", "rc:{acme}:20261129", "home"));
            assertEquals(4, store.get(new CounterKey("acme", "home"), TODAY));
        }
    }
}
