package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.restycounter.core.MutableClock;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: the server-wide connection cap and the request-head deadline, through raw sockets. */
class ConnectionCapsIT {

    @TempDir
    Path dir;
    private TestServer app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private void start(String... settings) throws Exception {
        app = TestServer.start(dir, new MutableClock(Instant.parse("2026-11-29T10:00:00Z")), settings);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** True once the server has closed {@code s}: a read ends or fails, or a write fails. */
    private static boolean closedByServer(Socket s) throws IOException {
        try {
            s.setSoTimeout(50);
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /**
     * A client sending one header line every 150 ms kept a request open past any idle timeout. A
     * kept-alive connection idle between requests is left to the idle timeout.
     */
    @Test
    void aDrippedRequestHeadIsClosedAtTheHeaderTimeout() throws Exception {
        start("HEADER_TIMEOUT_MS", "1000", "IDLE_TIMEOUT_MS", "30000", "RATE_LIMIT", "0");
        try (Socket s = new Socket("127.0.0.1", app.server().port())) {
            s.getOutputStream().write(ascii("GET /healthcheck HTTP/1.1\r\nHost: x\r\n\r\n"));
            s.setSoTimeout(5_000);
            byte[] buf = new byte[4096];
            int n = s.getInputStream().read(buf);
            assertTrue(n > 0 && new String(buf, 0, n, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
            Thread.sleep(1_600);
            assertFalse(closedByServer(s), "idle between requests is not a request head arriving");

            long start = System.nanoTime();
            s.getOutputStream().write(ascii("GET /p/acme/drip HTTP/1.1\r\nHost: x\r\n"));
            boolean closed = false;
            for (int i = 0; i < 40 && !closed; i++) {
                Thread.sleep(150);
                try {
                    s.getOutputStream().write(ascii("X-Drip-" + i + ": y\r\n"));
                } catch (IOException reset) {
                    closed = true;
                }
                closed = closed || closedByServer(s);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closed, "still open after " + millis + " ms of dripped headers");
            assertTrue(millis >= 900, "not before the header timeout: " + millis + " ms");
        }
        assertEquals("0+0", app.query("acme/drip"));
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout() throws Exception {
        start("HEADER_TIMEOUT_MS", "500", "IDLE_TIMEOUT_MS", "30000");
        try (Socket s = new Socket("127.0.0.1", app.server().port())) {
            boolean closed = false;
            for (int i = 0; i < 100 && !closed; i++) {
                closed = closedByServer(s);
            }
            assertTrue(closed, "closed well before the 30 s idle timeout");
        }
    }

    /** There was no server-wide cap: past MAX_CONNECTIONS a new connection waits for one to close. */
    @Test
    void pastMaxConnectionsANewConnectionWaitsForRoom() throws Exception {
        start("MAX_CONNECTIONS", "3", "MAX_CONNECTIONS_PER_CLIENT", "100", "IDLE_TIMEOUT_MS", "30000",
                "HEADER_TIMEOUT_MS", "30000");
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket("127.0.0.1", app.server().port());
                s.getOutputStream().write(ascii("GET /p/acme/held HTTP/1.1\r\nHost: x\r\n"));
                held.add(s);
            }
            Thread.sleep(200);
            try (Socket fourth = new Socket("127.0.0.1", app.server().port())) {
                fourth.getOutputStream().write(ascii("GET /healthcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
                fourth.setSoTimeout(1_000);
                try {
                    int read = fourth.getInputStream().read();
                    fail("answered past MAX_CONNECTIONS: " + read);
                } catch (SocketTimeoutException waiting) {
                    // not accepted yet
                }
                held.remove(0).close();
                fourth.setSoTimeout(10_000);
                String answer = new String(fourth.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 200"), "served once another closed: " + answer);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
