package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counting into a redis-server that speaks only TLS (rediss://), its certificate from a test CA. */
class RedisTlsIT {

    @TempDir
    Path dir;
    private Path certificates;
    private RedisServer redis;

    @BeforeEach
    void start() throws Exception {
        certificates = Files.createDirectories(dir.resolve("tls"));
        TestCertificates.writeCaAndServer(certificates);
        redis = RedisServer.launchTls(certificates);
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    @Test
    void countsReachRedisOverTlsWithTheGivenCa() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "REDIS_URL", redis.url(),
                "REDIS_TLS_CA", certificates.resolve("ca.pem").toString())) {
            assertEquals(200, app.get("/p/acme/tls?v=3").statusCode());
            app.server().engine().flush();
            assertEquals(200, app.get("/healthcheck").statusCode());
        }
        RedisClient client = RedisClient.create(redis.url());
        client.setOptions(ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
                .trustManager(certificates.resolve("ca.pem").toFile()).build()).build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertEquals("3", c.sync().hget("rc:{acme}:20261129", "tls"));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void anUntrustedServerCertificateIsRefused() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "REDIS_URL", redis.url())) {
            assertEquals(503, app.get("/healthcheck").statusCode(), "the JVM's CAs do not know the test CA");
            assertEquals(200, app.get("/p/acme/tls").statusCode(), "pixels are still served and logged");
        }
    }
}
