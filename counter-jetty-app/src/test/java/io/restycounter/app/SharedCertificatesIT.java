package io.restycounter.app;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.app.tls.CertificateManager;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two app nodes on one Redis get certificates from Pebble together: one order per host, the HTTP-01
 * answer served by whichever node the CA reaches, the certificate served by both.
 */
class SharedCertificatesIT {

    @TempDir
    Path dir;
    private Pebble pebble;
    private RedisServer redis;
    private final List<TestServer> nodes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        int reachable = Pebble.freePort();
        pebble = Pebble.start(Files.createDirectories(dir.resolve("pebble")), reachable);
        redis = RedisServer.launch();
        // Pebble checks challenges on node 1's HTTP port only; node 2 is out of its reach.
        for (String node : List.of("n1", "n2")) {
            nodes.add(TestServer.start(dir.resolve(node + "-logs"), new MutableClock(Instant.now()),
                    "NODE_ID", node, "HTTP_PORT", node.equals("n1") ? String.valueOf(reachable) : "0",
                    "HTTPS_PORT", "0", "ALLOWED_DOMAINS", "[a-z0-9]+\\.test\\.example",
                    "ACME_DIRECTORY", pebble.directory(), "ACME_TRUSTED_CERTS", pebble.caFile().toString(),
                    "CERT_DIR", dir.resolve(node + "-certs").toString(), "REDIS_URL", redis.url()));
        }
    }

    @AfterEach
    void stop() {
        nodes.forEach(TestServer::close);
        if (redis != null) {
            redis.close();
        }
        if (pebble != null) {
            pebble.close();
        }
    }

    private long orders() {
        return nodes.stream().mapToLong(n -> n.server().certificates().ordersPlaced()).sum();
    }

    @Test
    void aNodeThePebbleCannotReachGetsItsCertificateThroughTheOther() throws Exception {
        TestServer unreachable = nodes.get(1);
        X509Certificate[] chain = AcmeHttpsIT.handshake(unreachable, "far.test.example");
        assertEquals(1, unreachable.server().certificates().ordersPlaced(), "node 2 ordered");
        chain[chain.length - 1].verify(pebble.root().getPublicKey());
        assertTrue(chain[0].getSubjectAlternativeNames().toString().contains("far.test.example"));

        X509Certificate[] fromNode1 = AcmeHttpsIT.handshake(nodes.get(0), "far.test.example");
        assertEquals(chain[0].getSerialNumber(), fromNode1[0].getSerialNumber(), "node 1 serves node 2's certificate");
        assertEquals(1, orders(), "and placed no order of its own");
        assertTrue(Files.notExists(dir.resolve("n2-certs").resolve("far.test.example.key")),
                "with Redis, keys live in Redis, not in CERT_DIR");

        RedisClient client = RedisClient.create(redis.url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertNotNull(c.sync().get("rc:acme:file:far.test.example.crt"));
            assertNull(c.sync().get(CertificateManager.LOCK_PREFIX + "far.test.example"), "the lock is released");
            assertEquals(List.of(), c.sync().keys(CertificateManager.CHALLENGE_PREFIX + "*"), "answers are removed");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void twoNodesAskingAtOnceMakeOneOrder() throws Exception {
        ExecutorService both = Executors.newFixedThreadPool(2);
        try {
            List<Future<X509Certificate[]>> got = new ArrayList<>();
            for (TestServer node : nodes) {
                got.add(both.submit(() -> AcmeHttpsIT.handshake(node, "both.test.example")));
            }
            X509Certificate[] a = got.get(0).get(90, TimeUnit.SECONDS);
            X509Certificate[] b = got.get(1).get(90, TimeUnit.SECONDS);
            assertEquals(1, orders(), "the lock lets one node order the host");
            // A handshake that waited past ACME_ORDER_WAIT_SECONDS got the fallback; by now both serve the one.
            X509Certificate[] again1 = AcmeHttpsIT.handshake(nodes.get(0), "both.test.example");
            X509Certificate[] again2 = AcmeHttpsIT.handshake(nodes.get(1), "both.test.example");
            assertEquals(again1[0].getSerialNumber(), again2[0].getSerialNumber());
            again1[again1.length - 1].verify(pebble.root().getPublicKey());
            assertTrue(a.length > 0 && b.length > 0);
            assertEquals(1, orders());
        } finally {
            both.shutdownNow();
        }
    }
}
