package io.restycounter.core.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Geo;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DailyFileHitLogTest {

    @TempDir
    Path dir;

    static Hit hit(Instant at, String counter, String ua) {
        return new Hit(at.toEpochMilli(), new CounterKey("acme", counter), 1, 200, "GET", "/p/acme/" + counter,
                "203.0.113.9", null, "px.example.com", "https", null, ua);
    }

    /** Parses one log line into a flat map; fails the test if it is not exactly one JSON object. */
    static Map<String, String> parseLine(String line) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken(), line);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                out.put(name, p.getValueAsString());
            }
            assertEquals(JsonToken.END_OBJECT, p.currentToken(), line);
            assertEquals(null, p.nextToken(), "one object per line: " + line);
        }
        return out;
    }

    @Test
    void writesOneJsonLinePerHitWithEveryFieldAndNoNulls() throws IOException {
        GeoIp geo = address -> Optional.of(new Geo("GB", "ENG", "London", "SW1", 51.5, -0.12));
        try (DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, "node-1", geo, 16)) {
            log.start();
            Instant at = Instant.parse("2026-11-29T10:15:30.007Z");
            assertTrue(log.append(new Hit(at.toEpochMilli(), new CounterKey("acme", "signup"), 3, 302, "GET",
                    "/p/acme/signup?v=3", "81.2.69.142", "10.0.0.1, 81.2.69.142", "px.example.com", "https",
                    "https://shop.example.com/", "Mozilla/5.0")));
            log.flush();
            List<String> lines = Files.readAllLines(dir.resolve("2026-11-29-node-1-access.log"));
            assertEquals(1, lines.size());
            Map<String, String> f = parseLine(lines.get(0));
            assertEquals("2026-11-29T10:15:30.007Z", f.get("ts"));
            assertEquals("acme", f.get("tenant"));
            assertEquals("signup", f.get("counter"));
            assertEquals("3", f.get("inc"));
            assertEquals("302", f.get("status"));
            assertEquals("GET", f.get("method"));
            assertEquals("/p/acme/signup?v=3", f.get("uri"));
            assertEquals("81.2.69.142", f.get("ip"));
            assertEquals("10.0.0.1, 81.2.69.142", f.get("xff"));
            assertEquals("px.example.com", f.get("host"));
            assertEquals("https", f.get("scheme"));
            assertEquals("https://shop.example.com/", f.get("referer"));
            assertEquals("Mozilla/5.0", f.get("ua"));
            assertEquals("GB", f.get("country"));
            assertEquals("ENG", f.get("region"));
            assertEquals("London", f.get("city"));
            assertEquals("SW1", f.get("postal"));
            assertEquals("51.5", f.get("lat"));
            assertEquals("-0.12", f.get("lon"));
            assertEquals("node-1", f.get("node"));
            assertEquals(List.of("ts", "tenant", "counter", "inc", "status", "method", "uri", "ip", "xff", "host",
                    "scheme", "referer", "ua", "country", "region", "city", "postal", "lat", "lon", "node"),
                    List.copyOf(f.keySet()));
        }
    }

    @Test
    void methodAndSchemeOutsideTheCommonOnesAreWrittenAsGiven() throws IOException {
        try (DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 16)) {
            log.start();
            Instant at = Instant.parse("2026-11-29T10:15:30Z");
            assertTrue(log.append(new Hit(at.toEpochMilli(), new CounterKey("acme", "a"), 1, 200, "HEAD",
                    "/p/acme/a", "81.2.69.142", null, "px.example.com", "http", null, null)));
            assertTrue(log.append(new Hit(at.toEpochMilli(), new CounterKey("acme", "b"), 1, 200, "PROPFIND",
                    "/p/acme/b", "81.2.69.142", null, "px.example.com", "wss\"", null, null)));
            log.flush();
            List<String> lines = Files.readAllLines(dir.resolve("2026-11-29-access.log"));
            Map<String, String> common = parseLine(lines.get(0));
            Map<String, String> rare = parseLine(lines.get(1));
            assertEquals(List.of("HEAD", "http"), List.of(common.get("method"), common.get("scheme")));
            assertEquals(List.of("PROPFIND", "wss\""), List.of(rare.get("method"), rare.get("scheme")));
            assertFalse(rare.containsKey("node"), "no node id, no field");
        }
    }

    @Test
    void hostileHeadersStayInsideOneValidLine() throws IOException {
        String ua = "evil\"}\n{\"tenant\":\"forged\",\"counter\":\"x\"}\r\n\\ \u0000\u0007\u001b[31m \u2028 ü";
        try (DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 16)) {
            log.start();
            log.append(hit(Instant.parse("2026-11-29T10:00:00Z"), "x", ua));
            log.flush();
        }
        List<String> lines = Files.readAllLines(dir.resolve("2026-11-29-access.log"), StandardCharsets.UTF_8);
        assertEquals(1, lines.size(), "a header must not split a log line");
        assertEquals(ua, parseLine(lines.get(0)).get("ua"));
        assertFalse(parseLine(lines.get(0)).containsKey("referer"), "absent values are omitted");
    }

    @Test
    void eachHitGoesToTheFileOfItsOwnDayInTheZone() throws IOException {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        try (DailyFileHitLog log = new DailyFileHitLog(dir, berlin, null, GeoIp.none(), 16)) {
            log.start();
            log.append(hit(Instant.parse("2026-11-29T22:59:59.999Z"), "before", null)); // 23:59:59.999 in Berlin
            log.append(hit(Instant.parse("2026-11-29T23:00:00.000Z"), "after", null));  // 00:00 on the 30th
            log.append(hit(Instant.parse("2026-11-29T22:59:59.500Z"), "late", null));   // a late one from the 29th
            log.flush();
        }
        List<String> day29 = Files.readAllLines(dir.resolve("2026-11-29-access.log"));
        List<String> day30 = Files.readAllLines(dir.resolve("2026-11-30-access.log"));
        assertEquals(List.of("before", "late"), day29.stream().map(l -> field(l, "counter")).toList());
        assertEquals(List.of("after"), day30.stream().map(l -> field(l, "counter")).toList());
    }

    @Test
    void tornLastLineFromACrashDoesNotSwallowTheNextHit() throws IOException {
        Path file = dir.resolve("2026-11-29-access.log");
        Files.writeString(file, "{\"ts\":\"2026-11-29T01:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"x\",\"inc\":1,\"status\":200}\n{\"ts\":\"2026-11-29T01:00:01.000Z\",\"ten");
        try (DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 16)) {
            log.start();
            log.append(hit(Instant.parse("2026-11-29T02:00:00Z"), "x", null));
            log.flush();
        }
        long[] total = {0};
        HitLogReader.Result r = HitLogReader.read(file, (k, inc) -> total[0] += inc);
        assertEquals(2, r.counted());
        assertEquals(1, r.skipped());
        assertEquals(2, total[0]);
    }

    @Test
    void fullQueueRefusesInsteadOfGrowing() {
        DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 3); // not started
        Instant at = Instant.parse("2026-11-29T10:00:00Z");
        assertTrue(log.append(hit(at, "a", null)));
        assertTrue(log.append(hit(at, "b", null)));
        assertTrue(log.append(hit(at, "c", null)));
        assertFalse(log.append(hit(at, "d", null)));
        assertEquals(3, log.queued());
    }

    @Test
    void closeWritesEverythingQueuedByManyThreads() throws Exception {
        int threads = 8;
        int perThread = 5_000;
        DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 1 << 20);
        log.start();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        Instant at = Instant.parse("2026-11-29T12:00:00Z");
        for (int t = 0; t < threads; t++) {
            String counter = "c" + t;
            pool.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    assertTrue(log.append(hit(at, counter, "ua")));
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        log.close();
        long[] total = {0};
        HitLogReader.Result r = HitLogReader.read(log.fileFor(LocalDate.parse("2026-11-29")), (k, inc) -> total[0] += inc);
        assertEquals(threads * perThread, r.counted());
        assertEquals(0, r.skipped());
    }

    private static String field(String line, String name) {
        try {
            return parseLine(line).get(name);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
