package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.MmdbWriter;
import io.restycounter.core.MutableClock;
import io.restycounter.core.http.Pixel;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PRIVACY, LOG_IP and COUNT_PREFETCH through the real app: what each writes to the log line, what it
 * counts, and the permissions of what it writes. Addresses come from a trusted proxy's X-Forwarded-For,
 * so a test can choose them.
 */
class PrivacyIT {

    private static final String DAY = "2026-11-29";
    private static final String UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    private static final String[] PROXIED = {"RATE_LIMIT", "0", "TRUSTED_PROXIES", "127.0.0.1/32"};

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse(DAY + "T10:00:00Z"));

    private TestServer start(Path logs, String... settings) throws Exception {
        String[] all = Stream.concat(Stream.of(PROXIED), Stream.of(settings)).toArray(String[]::new);
        return TestServer.start(logs, clock, all);
    }

    private static List<Map<String, String>> lines(TestServer app, Path logs, String day) throws Exception {
        app.server().engine().flush();
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : Files.readAllLines(TestServer.logFile(logs, day))) {
            out.add(CounterServerIT.json(line));
        }
        return out;
    }

    private static void hit(TestServer app, String counter, String forwardedFor, String... more) throws Exception {
        List<String> headers = new ArrayList<>(List.of("X-Forwarded-For", forwardedFor, "User-Agent", UA,
                "Referer", "https://shop.example.com/cart"));
        headers.addAll(List.of(more));
        HttpResponse<byte[]> r = app.get("/p/acme/" + counter, headers.toArray(String[]::new));
        assertEquals(200, r.statusCode());
        assertArrayEquals(Pixel.gif(), r.body());
    }

    @Test
    void logIpFullKeepsTheAddressAndForwardedFor() throws Exception {
        Path logs = dir.resolve("full");
        try (TestServer app = start(logs)) {
            hit(app, "a", "198.51.100.7, 203.0.113.77");
            Map<String, String> line = lines(app, logs, DAY).get(0);
            assertEquals("203.0.113.77", line.get("ip"));
            assertEquals("198.51.100.7, 203.0.113.77", line.get("xff"));
        }
    }

    @Test
    void logIpTruncatedKeepsTheSlash24OrSlash48AndDropsForwardedForButLocatesTheFullAddress() throws Exception {
        Path db = Files.write(dir.resolve("city.mmdb"), new MmdbWriter("GeoLite2-City", 24)
                .insert("81.2.69.142/32", MmdbWriter.city("GB", "ENG", "London", "EC1A", 51.5142, -0.0931)).build());
        Path logs = dir.resolve("truncated");
        try (TestServer app = start(logs, "LOG_IP", "truncated", "GEOIP_DB", db.toString())) {
            hit(app, "a", "198.51.100.7, 81.2.69.142");
            hit(app, "b", "2001:db8:85a3:8d3:1319:8a2e:370:7348");
            hit(app, "c", "::ffff:192.0.2.200");
            List<Map<String, String>> lines = lines(app, logs, DAY);
            assertEquals("81.2.69.0", lines.get(0).get("ip"));
            assertEquals("London", lines.get(0).get("city"), "located by the whole address (a /32 in the database)");
            assertEquals("2001:db8:85a3::", lines.get(1).get("ip"));
            assertEquals("192.0.2.0", lines.get(2).get("ip"), "an IPv4-mapped address is IPv4");
            for (Map<String, String> line : lines) {
                assertNull(line.get("xff"), "X-Forwarded-For holds other addresses: dropped " + line);
                assertEquals(UA, line.get("ua"));
            }
            assertEquals("1+0", app.query("acme/a"));
        }
    }

    @Test
    void logIpNoneWritesNoAddressAtAll() throws Exception {
        Path logs = dir.resolve("none");
        try (TestServer app = start(logs, "LOG_IP", "none")) {
            hit(app, "a", "198.51.100.7, 203.0.113.77");
            Map<String, String> line = lines(app, logs, DAY).get(0);
            assertFalse(line.containsKey("ip"), line.toString());
            assertFalse(line.containsKey("xff"), line.toString());
            assertEquals("1+0", app.query("acme/a"));
        }
    }

    @Test
    void logIpHashedIsStableWithinTheDayPerTenantAndChangesWithTheDayWhoseKeyIsDeleted() throws Exception {
        Path logs = dir.resolve("hashed");
        try (TestServer app = start(logs, "LOG_IP", "hashed")) {
            hit(app, "a", "203.0.113.77");
            hit(app, "b", "203.0.113.77");
            hit(app, "c", "203.0.113.78");
            assertEquals(200, app.get("/p/other/a", "X-Forwarded-For", "203.0.113.77").statusCode());
            List<Map<String, String>> lines = lines(app, logs, DAY);
            String first = lines.get(0).get("ip");
            assertTrue(first.matches("[0-9a-f]{32}"), first);
            assertEquals(first, lines.get(1).get("ip"), "same address, same day: same hash");
            assertNotEquals(first, lines.get(2).get("ip"), "another address");
            assertNotEquals(first, lines.get(3).get("ip"), "another tenant");
            assertFalse(Files.readString(TestServer.logFile(logs, DAY)).contains("203.0.113"), "no address anywhere");
            Path key = logs.resolve("ip-hash-key-" + DAY);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

            clock.set(Instant.parse("2026-11-30T10:00:00Z"));
            hit(app, "a", "203.0.113.77");
            String nextDay = lines(app, logs, "2026-11-30").get(0).get("ip");
            assertTrue(nextDay.matches("[0-9a-f]{32}"), nextDay);
            assertNotEquals(first, nextDay, "a new day, a new key: the hashes cannot be linked");
            assertFalse(Files.exists(key), "the ended day's key is deleted");
            assertTrue(Files.exists(logs.resolve("ip-hash-key-2026-11-30")));
        }
    }

    @Test
    void respectSignalsCountsGpcAndDntHitsButLogsNothingThatIdentifiesTheirClient() throws Exception {
        Path db = Files.write(dir.resolve("city.mmdb"), new MmdbWriter("GeoLite2-City", 24)
                .insert("81.2.69.0/24", MmdbWriter.city("GB", "ENG", "London", "EC1A", 51.5142, -0.0931)).build());
        Path logs = dir.resolve("signals");
        try (TestServer app = start(logs, "PRIVACY", "respect-signals", "GEOIP_DB", db.toString())) {
            hit(app, "a", "198.51.100.7, 81.2.69.142", "Sec-GPC", "1");
            hit(app, "a", "198.51.100.7, 81.2.69.142", "DNT", "1");
            hit(app, "a", "198.51.100.7, 81.2.69.142", "DNT", "0");
            assertEquals("3+0", app.query("acme/a"), "private hits still count");
            List<Map<String, String>> lines = lines(app, logs, DAY);
            for (Map<String, String> line : lines.subList(0, 2)) {
                for (String identity : List.of("ip", "xff", "ua", "referer", "country", "region", "city", "postal",
                        "lat", "lon")) {
                    assertFalse(line.containsKey(identity), identity + " in " + line);
                }
                assertEquals("true", line.get("private"));
                assertEquals("acme", line.get("tenant"));
            }
            assertEquals("81.2.69.142", lines.get(2).get("ip"), "DNT: 0 asks nothing");
            assertEquals("London", lines.get(2).get("city"));
            assertFalse(lines.get(2).containsKey("private"));
            CounterEngine engine = app.server().engine();
            assertEquals(3, engine.fateCount(CounterEngine.Outcome.COUNTED));
            assertEquals(2, engine.fateCount(CounterEngine.Outcome.PRIVATE));
        }
        try (TestServer again = start(logs, "PRIVACY", "respect-signals")) {
            assertEquals("3+0", again.query("acme/a"), "a line without ip is rebuilt like any other");
            io.restycounter.core.report.Aggregator.Result archived = new io.restycounter.core.report.Aggregator(logs,
                    again.server().engine().archive(), again.server().engine().calendar(),
                    java.time.Clock.fixed(Instant.parse(DAY + "T10:00:00Z").plus(java.time.Duration.ofDays(1)),
                            java.time.ZoneOffset.UTC)).aggregate(java.time.LocalDate.parse(DAY)); // once the day is over
            assertEquals(3, archived.total(new io.restycounter.core.CounterKey("acme", "a")), "and aggregated");
            assertEquals(0, archived.skippedLines());
        }
    }

    @Test
    void standardPrivacyIgnoresTheSignals() throws Exception {
        Path logs = dir.resolve("standard");
        try (TestServer app = start(logs)) {
            hit(app, "a", "203.0.113.77", "Sec-GPC", "1", "DNT", "1");
            Map<String, String> line = lines(app, logs, DAY).get(0);
            assertEquals("203.0.113.77", line.get("ip"));
            assertEquals(UA, line.get("ua"));
            assertEquals(0, app.server().engine().fateCount(CounterEngine.Outcome.PRIVATE));
        }
    }

    @Test
    void prefetchesAreAnsweredWithTheGifButNeitherCountedNorLogged() throws Exception {
        Path logs = dir.resolve("prefetch");
        try (TestServer app = start(logs)) {
            hit(app, "a", "203.0.113.77", "Sec-Purpose", "prefetch");
            hit(app, "a", "203.0.113.77", "Sec-Purpose", "prefetch;prerender");
            hit(app, "a", "203.0.113.77", "Purpose", "prefetch");
            hit(app, "a", "203.0.113.77", "X-Moz", "prefetch");
            HttpResponse<byte[]> r = app.get("/p/acme/a", "Sec-Purpose", "prefetch");
            assertEquals("no-cache, no-store, must-revalidate", r.headers().firstValue("Cache-Control").orElse(null));
            assertEquals("0+0", app.query("acme/a"));
            hit(app, "a", "203.0.113.77");
            assertEquals("1+0", app.query("acme/a"), "the real view counts");
            assertEquals(1, lines(app, logs, DAY).size(), "only the real view is logged");
            assertEquals(5, app.server().engine().fateCount(CounterEngine.Outcome.PREFETCH));
        }
    }

    @Test
    void countPrefetchTrueCountsThem() throws Exception {
        Path logs = dir.resolve("prefetch-counted");
        try (TestServer app = start(logs, "COUNT_PREFETCH", "true")) {
            hit(app, "a", "203.0.113.77", "Sec-Purpose", "prefetch;prerender");
            hit(app, "a", "203.0.113.77", "Purpose", "prefetch");
            assertEquals("2+0", app.query("acme/a"));
            assertEquals(2, lines(app, logs, DAY).size());
        }
    }

    @Test
    void logDirectoryAndFilesAreClosedToOthersTheNextDaysFileToo() throws Exception {
        Path logs = dir.resolve("new/logs");
        try (TestServer app = start(logs)) {
            hit(app, "a", "203.0.113.77");
            lines(app, logs, DAY);
            assertEquals("rwxr-x---", permissions(logs));
            assertEquals("rwxr-x---", permissions(logs.getParent()), "every directory the counter made");
            assertEquals("rw-r-----", permissions(TestServer.logFile(logs, DAY)));
            clock.set(Instant.parse("2026-11-30T00:00:01Z"));
            hit(app, "a", "203.0.113.77");
            lines(app, logs, "2026-11-30");
            assertEquals("rw-r-----", permissions(TestServer.logFile(logs, "2026-11-30")));
        }
    }

    @Test
    void anExistingDirectoryIsLeftAsItIsButAnOldLooseLogFileIsTightened() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("existing"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path old = Files.writeString(TestServer.logFile(logs, DAY),
                "{\"ts\":\"" + DAY + "T09:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1,\"status\":200}\n");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-rw-r--"));
        try (TestServer app = start(logs)) {
            hit(app, "a", "203.0.113.77");
            assertEquals(2, lines(app, logs, DAY).size());
            assertEquals("2+0", app.query("acme/a"));
            assertEquals("rwxr-xr-x", permissions(logs), "the operator's directory");
            assertEquals("rw-r-----", permissions(old));
        }
    }

    private static String permissions(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
