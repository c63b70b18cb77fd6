package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Lettuce client per process: the store, the archive, tenant keys and the shared certificates all
 * run on one set of Netty threads, which end when the app stops. Before, each made its own client
 * (three event-loop pools), and a pool's threads could outlive the app.
 */
class OneRedisClientIT {

    /** Lettuce names its threads {@code lettuce-<kind>-<pool>-<thread>}. */
    private static final Pattern LETTUCE = Pattern.compile("lettuce-(\\w+?)(EventLoop|eventExecutorLoop)-(\\d+)-\\d+");

    @TempDir
    Path dir;
    private Pebble pebble;
    private RedisServer redis;
    private TestServer app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (pebble != null) {
            pebble.close();
        }
    }

    static Set<String> liveThreadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The Lettuce pools among {@code names}, as "event-loop N" and "executor N". */
    static Set<String> lettucePools(Set<String> names) {
        Set<String> pools = new TreeSet<>();
        for (String name : names) {
            Matcher m = LETTUCE.matcher(name);
            if (m.matches()) {
                pools.add((m.group(2).equals("EventLoop") ? "event-loop " : "executor ") + m.group(3));
            }
        }
        return pools;
    }

    /** Names of threads alive now and not in {@code before} that {@code interesting} keeps, once they are gone or 10 s passed. */
    static Set<String> leftOver(Set<String> before, java.util.function.Predicate<String> interesting)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Set<String> left = liveThreadNames().stream().filter(n -> !before.contains(n)).filter(interesting)
                    .collect(Collectors.toCollection(TreeSet::new));
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(50);
        }
    }

    @Test
    void storeArchiveKeysAndCertificatesShareOneClientWhoseThreadsEndWithTheApp() throws Exception {
        int reachable = Pebble.freePort();
        pebble = Pebble.start(Files.createDirectories(dir.resolve("pebble")), reachable);
        redis = RedisServer.launchDurable(); // keeps its counts through the restart below
        Set<String> before = liveThreadNames();
        Set<String> poolsBefore = lettucePools(before);

        app = TestServer.start(dir.resolve("logs"), new MutableClock(Instant.now()), "HTTP_PORT",
                String.valueOf(reachable), "HTTPS_PORT", "0", "ALLOWED_DOMAINS", "[a-z0-9]+\\.test\\.example",
                "ACME_DIRECTORY", pebble.directory(), "ACME_TRUSTED_CERTS", pebble.caFile().toString(),
                "CERT_DIR", dir.resolve("certs").toString(), "REDIS_URL", redis.url(), "RATE_LIMIT", "0");

        assertEquals(200, app.get("/p/acme/home").statusCode());
        app.server().engine().flush();
        assertTrue(app.query("acme/home").startsWith("1+"), "the store counted");
        LocalDate old = LocalDate.now(ZoneOffset.UTC).minusDays(40);
        String series = new String(app.get("/p-query/acme/home?format=json&from=" + old + "&to=" + old,
                "X-Api-Key", TestServer.API_KEY).body(), StandardCharsets.UTF_8);
        assertTrue(series.contains("\"archive\""), "the archive answered: " + series);
        assertEquals(403, app.get("/p-query/acme/home", "X-Api-Key", "not-a-tenant-key").statusCode(),
                "the tenant keys were asked");
        AcmeHttpsIT.handshake(app, "one.test.example");
        assertEquals(1, app.server().certificates().ordersPlaced(), "a certificate went through the shared store");

        // A restart makes every connection reconnect, on the same client.
        redis.stop();
        redis.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!app.server().engine().storeHealthy()) {
            assertTrue(System.nanoTime() < deadline, "the store reconnects");
            Thread.sleep(100);
        }
        assertEquals(200, app.get("/p/acme/home").statusCode());
        app.server().engine().flush();
        assertTrue(app.query("acme/home").startsWith("2+"), "counting after the restart");
        assertEquals(200, app.get("/p-query/acme/home?format=json&from=" + old + "&to=" + old,
                "X-Api-Key", TestServer.API_KEY).statusCode(), "the archive after the restart");

        Set<String> pools = lettucePools(liveThreadNames());
        pools.removeAll(poolsBefore);
        assertEquals(1, pools.stream().filter(p -> p.startsWith("event-loop")).count(), "one event-loop pool: " + pools);
        // Lettuce starts executor threads only when it hands work to them (none may have run yet).
        assertTrue(pools.stream().filter(p -> p.startsWith("executor")).count() <= 1, "one executor pool: " + pools);

        app.close();
        app = null;
        assertEquals(Set.of(), leftOver(before, n -> n.startsWith("lettuce-")), "no Lettuce thread outlives the app");
    }
}
