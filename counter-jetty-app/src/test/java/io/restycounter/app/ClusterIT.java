package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.RedisCluster;
import io.restycounter.core.StoreException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two stateless app nodes counting into one real Redis Cluster (3 primaries, 3 replicas). */
class ClusterIT {

    @TempDir
    Path dir;
    private RedisCluster cluster;
    private final List<TestServer> nodes = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = RedisCluster.launch();
        for (String node : List.of("n1", "n2")) {
            nodes.add(TestServer.start(dir.resolve(node), Clock.systemUTC(), "NODE_ID", node,
                    "REDIS_URL", cluster.url(), "RATE_LIMIT", "0"));
        }
    }

    @AfterEach
    void stop() {
        nodes.forEach(TestServer::close);
        cluster.close();
    }

    private static void flushUntilConfirmed(TestServer node) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                node.server().engine().flush();
                return;
            } catch (StoreException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("node never reached the cluster again", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private static long logLines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    @Test
    void hitsSpreadOverTwoNodesSumInTheQueryOfEither() throws Exception {
        Map<String, Integer> sent = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            String path = "t" + (i % 40) + "/c" + (i % 3);
            TestServer node = nodes.get(i % 2);
            assertEquals(200, node.get("/p/" + path + "?v=" + (1 + i % 4)).statusCode());
            sent.merge(path, 1 + i % 4, Integer::sum);
        }
        for (TestServer node : nodes) {
            node.server().engine().flush();
            assertEquals(200, node.get("/healthcheck").statusCode());
        }
        for (Map.Entry<String, Integer> e : sent.entrySet()) {
            for (TestServer node : nodes) {
                assertEquals(e.getValue() + "+0", node.query(e.getKey()), e.getKey());
            }
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (String node : List.of("n1", "n2")) {
            Path file = dir.resolve(node).resolve(today + "-" + node + "-access.log");
            assertEquals(200, logLines(file), "each node logs its own hits in its own file");
            assertTrue(Files.readString(file).contains("\"node\":\"" + node + "\""), "and names itself in each line");
        }
    }

    @Test
    void aPrimaryKilledUnderLoadLosesNoHitAnswered200() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> served = new ConcurrentHashMap<>();
        AtomicInteger other = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            senders.add(load.submit(() -> {
                int i = 0;
                while (running.get()) {
                    String path = "t" + ((thread * 13 + i) % 30) + "/c" + (i % 2);
                    i++;
                    HttpResponse<byte[]> r = nodes.get(thread % 2).get("/p/" + path);
                    if (r.statusCode() == 200) {
                        served.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
                    } else {
                        other.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Thread.sleep(1_500);
        int before = served.values().stream().mapToInt(AtomicInteger::get).sum();
        int victim = cluster.primaryFor("rc:{t1}:" + LocalDate.now(ZoneOffset.UTC).toString().replace("-", ""));
        cluster.killPrimary(victim);
        Thread.sleep(3_000);
        running.set(false);
        for (Future<?> f : senders) {
            f.get(30, TimeUnit.SECONDS);
        }
        load.shutdown();
        int total = served.values().stream().mapToInt(AtomicInteger::get).sum();
        assertTrue(total > before, "pixels were served through the failover");
        assertEquals(0, other.get(), "every pixel answered 200 (counting never waits on Redis)");
        for (TestServer node : nodes) {
            flushUntilConfirmed(node);
        }
        for (Map.Entry<String, AtomicInteger> e : served.entrySet()) {
            assertEquals(e.getValue().get() + "+0", nodes.get(0).query(e.getKey()), e.getKey());
            assertEquals(e.getValue().get() + "+0", nodes.get(1).query(e.getKey()), e.getKey());
        }
        for (TestServer node : nodes) {
            assertEquals(200, node.get("/healthcheck").statusCode(), "healthy again on the new primary");
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertEquals(total, logLines(dir.resolve("n1").resolve(today + "-n1-access.log"))
                + logLines(dir.resolve("n2").resolve(today + "-n2-access.log")), "and both logs hold every hit");
    }
}
