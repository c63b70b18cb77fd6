package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.restycounter.core.MmdbWriter;
import io.restycounter.core.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Location and client address in the app's log lines, from a real .mmdb read by MaxMind's reader. */
class GeoIpIT {

    @TempDir
    Path dir;

    private Path database() throws Exception {
        byte[] db = new MmdbWriter("GeoLite2-City", 24)
                .insert("81.2.69.0/24", MmdbWriter.city("GB", "ENG", "London", "EC1A", 51.5142, -0.0931))
                .build();
        return Files.write(dir.resolve("GeoLite2-City.mmdb"), db);
    }

    private List<String> hitWith(String forwardedFor, String... settings) throws Exception {
        Path logs = dir.resolve("logs-" + System.nanoTime());
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(logs, clock, settings)) {
            app.get("/p/acme/geo", "X-Forwarded-For", forwardedFor);
            app.server().engine().flush();
        }
        return Files.readAllLines(logs.resolve("2026-11-29-" + TestServer.NODE_ID + "-access.log"));
    }

    @Test
    void aTrustedProxysClientIsLocatedAndLogged() throws Exception {
        String db = database().toString();
        List<String> lines = hitWith("198.51.100.7, 81.2.69.142", "GEOIP_DB", db, "TRUSTED_PROXIES", "127.0.0.1/32");
        Map<String, String> f = CounterServerIT.json(lines.get(0));
        assertEquals("81.2.69.142", f.get("ip"));
        assertEquals("198.51.100.7, 81.2.69.142", f.get("xff"));
        assertEquals("GB", f.get("country"));
        assertEquals("ENG", f.get("region"));
        assertEquals("London", f.get("city"));
        assertEquals("EC1A", f.get("postal"));
        assertEquals("51.5142", f.get("lat"));
        assertEquals("-0.0931", f.get("lon"));
    }

    /** The headers a hit records, each picked up however the request spreads them over its lines. */
    @Test
    void repeatedForwardedForLinesXRealIpRefererAndUserAgentReachTheLine() throws Exception {
        Path logs = dir.resolve("logs-headers");
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(logs, clock, "TRUSTED_PROXIES", "127.0.0.1/32")) {
            app.get("/p/acme/a", "X-Forwarded-For", "198.51.100.7", "x-forwarded-for", "81.2.69.142",
                    "Referer", "https://shop.example.com/", "User-Agent", "Mozilla/5.0 (test)");
            app.get("/p/acme/b", "x-real-ip", "81.2.69.143", "User-Agent", "Mozilla/5.0 (other)");
            app.server().engine().flush();
        }
        List<String> lines = Files.readAllLines(logs.resolve("2026-11-29-" + TestServer.NODE_ID + "-access.log"));
        Map<String, String> a = CounterServerIT.json(lines.get(0));
        assertEquals("81.2.69.142", a.get("ip"));
        assertEquals("198.51.100.7, 81.2.69.142", a.get("xff"));
        assertEquals("https://shop.example.com/", a.get("referer"));
        assertEquals("Mozilla/5.0 (test)", a.get("ua"));
        Map<String, String> b = CounterServerIT.json(lines.get(1));
        assertEquals("81.2.69.143", b.get("ip"), "X-Real-IP from a trusted proxy, in any letter case");
        assertFalse(b.containsKey("xff"));
        assertFalse(b.containsKey("referer"));
        assertEquals("Mozilla/5.0 (other)", b.get("ua"));
    }

    @Test
    void anUntrustedPeersForwardedForIsLoggedButNotBelieved() throws Exception {
        String db = database().toString();
        Map<String, String> f = CounterServerIT.json(hitWith("81.2.69.142", "GEOIP_DB", db).get(0));
        assertEquals("127.0.0.1", f.get("ip"));
        assertEquals("81.2.69.142", f.get("xff"));
        assertFalse(f.containsKey("country"), "loopback has no location");
    }

    @Test
    void aBadDatabaseStopsStartUpNamingGeoipDb() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.mmdb"), "not a database");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Running running = Main.start(io.restycounter.core.Settings.of(Map.of("HTTP_PORT", "0",
                "LOG_DIR", dir.resolve("l").toString(), "GEOIP_DB", bad.toString())), java.time.Clock.systemUTC(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(null, running);
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, message.lines().count(), message);
        assertEquals(true, message.startsWith("resty-counter: cannot start: GEOIP_DB: expected"), message);
    }

    @Test
    void updateGeoipWithoutCredentialsSaysWhatItNeeds() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.updateGeoIp(io.restycounter.core.Settings.of(Map.of()), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.EXIT_CONFIG, code);
        assertEquals(true, err.toString(StandardCharsets.UTF_8).contains("MAXMIND_LICENSE_KEY"));
    }
}
