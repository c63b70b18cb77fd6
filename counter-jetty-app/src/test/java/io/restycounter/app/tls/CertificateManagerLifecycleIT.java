package io.restycounter.app.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.restycounter.core.Settings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate renewal as a {@link io.restycounter.core.Lifecycle}, ordering from a local "CA" that never
 * answers: stop must not wait for the order, and must leave no thread behind.
 */
class CertificateManagerLifecycleIT {

    @TempDir
    Path certDir;

    private HttpServer hangingCa;
    private final CountDownLatch asked = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startCa() throws Exception {
        hangingCa = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hangingCa.createContext("/", exchange -> {
            asked.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        hangingCa.start();
    }

    @AfterEach
    void stopCa() {
        release.countDown();
        hangingCa.stop(0);
    }

    private static long acmeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("acme-")).count();
    }

    /** Threads of a terminated executor may take a moment to leave run(). */
    private static long acmeThreadsSettled(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (acmeThreads() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return acmeThreads();
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    private CertificateManager manager() {
        AcmeSettings settings = AcmeSettings.from(Settings.of(Map.of(
                "ACME_DIRECTORY", "http://127.0.0.1:" + hangingCa.getAddress().getPort() + "/directory",
                "ALLOWED_DOMAINS", ".*\\.example\\.org", "ACME_DOMAINS", "ahead.example.org",
                "CERT_DIR", certDir.toString())));
        return new CertificateManager(settings, Clock.systemUTC());
    }

    @Test
    void stopBeforeStartAndTwiceIsFine() throws Exception {
        long before = acmeThreads();
        CertificateManager m = manager();
        m.stop();
        m.close();
        assertEquals(before, acmeThreads());
        m.start();
        m.stop();
        m.stop();
        assertEquals(before, acmeThreadsSettled(before));
    }

    @Test
    void startTwiceIsOneRenewalThreadAndStopEndsAnOrderTheCaLeavesHanging() throws Exception {
        long before = acmeThreads();
        CertificateManager m = manager();
        m.start();
        m.start();
        assertEquals(1, threadsNamed("acme-renewal-1"));
        assertEquals(0, threadsNamed("acme-renewal-2"), "the second start made no second schedule");
        m.orderAhead();
        assertTrue(asked.await(30, TimeUnit.SECONDS), "the order reached the CA");
        assertEquals(1, threadsNamed("acme-order-1"));
        long began = System.nanoTime();
        m.stop();
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        assertTrue(took.compareTo(CertificateManager.STOP_WAIT) < 0, "stop took " + took);
        assertEquals(before, acmeThreadsSettled(before), "no acme-order or acme-renewal thread is left");
        assertEquals(false, m.isRunning());
    }
}
