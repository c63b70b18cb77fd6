package io.restycounter.core.redis;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** REDIS_URL=redis-sentinel://...#master: the store finds the primary through a real Sentinel process. */
class RedisSentinelStoreIT {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:15:30Z"), ZoneOffset.UTC);
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);

    @TempDir
    Path dir;
    private RedisServer primary;
    private Process sentinel;
    private RedisServer replica;
    private int sentinelPort;

    @BeforeEach
    void start() throws Exception {
        primary = RedisServer.launch();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            sentinelPort = s.getLocalPort();
        }
        Path conf = dir.resolve("sentinel.conf");
        // Quick to judge a primary down and to fail over, so the failover test runs in seconds.
        Files.writeString(conf, "port " + sentinelPort + "\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 "
                + primary.port() + " 1\nsentinel down-after-milliseconds mymaster 1000\n"
                + "sentinel failover-timeout mymaster 5000\n");
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
        if (replica != null) {
            replica.close();
        }
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

    @Test
    void aFailoverTheSentinelRunsLosesNothing() throws Exception {
        replica = RedisServer.launch();
        cli(replica.port(), "REPLICAOF", "127.0.0.1", String.valueOf(primary.port()));
        String url = "redis-sentinel://127.0.0.1:" + sentinelPort + "/0#mymaster";
        CounterConfig config = CounterConfig.from(Settings.of(Map.of("REDIS_URL", url, "FLUSH_INTERVAL_MS", "60000")));
        CounterKey key = new CounterKey("acme", "failover");
        try (RedisCounterStore store = RedisCounterStore.connect(config, CLOCK)) {
            store.increment(key, TODAY, 5);
            store.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!"5".equals(cli(replica.port(), "HGET", "rc:{acme}:20261129", "failover"))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the replica never received the first flush");
                }
                Thread.sleep(50);
            }
            // Sentinel learns of replicas from the primary's INFO, every few seconds: it can only
            // promote one it knows.
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!cli(sentinelPort, "SENTINEL", "replicas", "mymaster").contains(String.valueOf(replica.port()))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the sentinel never saw the replica");
                }
                Thread.sleep(100);
            }
            primary.stop();
            store.increment(key, TODAY, 2);
            // Until the sentinel has promoted the replica, flushes fail and the delta waits.
            Flushing.untilConfirmed(store, Duration.ofSeconds(30), "no failover within 30 s");
            assertTrue(cli(sentinelPort, "SENTINEL", "get-master-addr-by-name", "mymaster")
                    .contains(String.valueOf(replica.port())), "the sentinel names the promoted replica");
            assertEquals("7", cli(replica.port(), "HGET", "rc:{acme}:20261129", "failover"));
            assertEquals(7, store.get(key, TODAY));
        }
    }
}
