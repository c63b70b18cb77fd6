package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log keeps what a client sent exactly and one line per hit for every tool: real UTF-8 bytes in
 * User-Agent and Referer (sent over a raw socket: HttpClient refuses non-ASCII header values) are logged
 * as their text, bytes that are not UTF-8 as before, and U+2028, U+2029 and U+0085 are escaped.
 */
class ExactLogLineIT {

    private static final String DAY = "2026-11-29";

    @TempDir
    Path dir;

    /** Sends one GET whose header block is {@code headers} as raw bytes; returns the status line. */
    private static String rawGet(TestServer app, String path, byte[] headers) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(("GET " + path + " HTTP/1.1\r\nHost: counter.example\r\nConnection: close\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        request.write(headers);
        request.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        try (Socket s = new Socket("127.0.0.1", app.server().port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.toByteArray());
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.substring(0, answer.indexOf("\r\n"));
        }
    }

    private static byte[] header(String name, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((name + ": ").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(value);
        b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void utf8HeadersAreLoggedAsTheirTextAndOtherBytesAsBefore() throws Exception {
        String ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Ünïcødé-Browser/1.0 日本語 😀";
        String referer = "https://bücher.example/straße?q=café";
        MutableClock clock = new MutableClock(Instant.parse(DAY + "T10:00:00Z"));
        try (TestServer app = TestServer.start(dir, clock, "RATE_LIMIT", "0")) {
            assertEquals("HTTP/1.1 200 OK", rawGet(app, "/p/acme/utf8", concat(
                    header("User-Agent", ua.getBytes(StandardCharsets.UTF_8)),
                    header("Referer", referer.getBytes(StandardCharsets.UTF_8)))));
            // 0xE9 alone is no UTF-8: Latin-1 "é", kept as the character the server handed over.
            byte[] latin1 = "Mozilla/5.0 caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
            assertEquals("HTTP/1.1 200 OK", rawGet(app, "/p/acme/latin1", header("User-Agent", latin1)));
            app.server().engine().flush();
            List<String> lines = Files.readAllLines(TestServer.logFile(dir, DAY), StandardCharsets.UTF_8);
            assertEquals(2, lines.size());
            Map<String, String> utf8 = CounterServerIT.json(lines.get(0));
            assertEquals(ua, utf8.get("ua"));
            assertEquals(referer, utf8.get("referer"));
            assertTrue(lines.get(0).contains("Ünïcødé"), "written as UTF-8 text, not escaped: " + lines.get(0));
            assertEquals("Mozilla/5.0 caf\u00e9", CounterServerIT.json(lines.get(1)).get("ua"));
            assertEquals("1+0", app.query("acme/utf8"));
        }
    }

    @Test
    void lineAndParagraphSeparatorsAndNextLineAreEscapedSoEveryToolSeesOneLinePerHit() throws Exception {
        String ua = "A\u2028B\u2029C\u0085D";
        MutableClock clock = new MutableClock(Instant.parse(DAY + "T10:00:00Z"));
        try (TestServer app = TestServer.start(dir, clock, "RATE_LIMIT", "0")) {
            assertEquals("HTTP/1.1 200 OK", rawGet(app, "/p/acme/sep",
                    header("User-Agent", ua.getBytes(StandardCharsets.UTF_8))));
            assertEquals("HTTP/1.1 200 OK", rawGet(app, "/p/acme/sep",
                    header("Referer", "https://x.example/\u2028".getBytes(StandardCharsets.UTF_8))));
            app.server().engine().flush();
            String text = Files.readString(TestServer.logFile(dir, DAY), StandardCharsets.UTF_8);
            for (char separator : new char[] {'\u2028', '\u2029', '\u0085', '\r'}) {
                assertFalse(text.indexOf(separator) >= 0, "raw U+" + Integer.toHexString(separator) + " in " + text);
            }
            assertEquals(2, text.split("\n").length, text);
            String first = text.substring(0, text.indexOf('\n'));
            assertTrue(first.contains("A\\u2028B\\u2029C\\u0085D"), first);
            assertEquals(ua, CounterServerIT.json(first).get("ua"), "a JSON reader gets the text back");
            assertEquals("2+0", app.query("acme/sep"));
        }
    }
}
