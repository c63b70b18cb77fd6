package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
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

/**
 * Issue #18 item 1 through the front door: the tenant command sets a zone from the next local midnight,
 * pixels over HTTP count on the tenant's date, the query's today+yesterday is the tenant's, through a
 * restart and through the aggregate command into the archive. TIMEZONE is UTC.
 */
class TenantZonesAppIT {

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));

    private Map<String, String> settings() {
        return Map.of("TENANTS", dir.resolve("tenants.toml").toString(), "LOG_DIR", dir.resolve("logs").toString(),
                "ARCHIVE_DIR", dir.resolve("logs-archive").toString(), "TIMEZONE", "UTC");
    }

    private TestServer start() throws Exception {
        return TestServer.start(dir.resolve("logs"), clock, "TENANTS", settings().get("TENANTS"), "RATE_LIMIT", "0",
                "TIMEZONE", "UTC");
    }

    private String[] tenant(String... words) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TenantCommand.run(Settings.of(settings()), List.of(words), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), clock);
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8).trim(),
                err.toString(StandardCharsets.UTF_8).trim()};
    }

    private void pixel(TestServer app, String tenant, String at) throws Exception {
        clock.set(Instant.parse(at));
        assertEquals(200, app.get("/p/" + tenant + "/home").statusCode(), tenant + " at " + at);
    }

    @Test
    void pixelsCountOnTheTenantsDateAndTheArchiveKeepsItsDays() throws Exception {
        assertEquals("0", tenant("add", "kiri")[0]);
        assertEquals("0", tenant("add", "pago")[0]);
        String[] set = tenant("set", "kiri", "time-zone", "Pacific/Kiritimati");
        assertEquals("0", set[0], set[2]);
        assertEquals("tenant kiri: time-zone = Pacific/Kiritimati from 2026-11-30 (until then UTC)", set[1]);
        assertEquals("0", tenant("set", "pago", "timezone", "Pacific/Pago_Pago")[0]);
        String toml = Files.readString(dir.resolve("tenants.toml"));
        String[] bad = tenant("set", "kiri", "time-zone", "Pacific/Atlantis");
        assertEquals("2", bad[0]);
        assertEquals("tenant set: tenant kiri: time-zone: expected an IANA time zone such as Europe/Paris, "
                + "got \"Pacific/Atlantis\"", bad[2]);
        assertEquals(toml, Files.readString(dir.resolve("tenants.toml")), "a refused change changes nothing");

        try (TestServer app = start()) {
            pixel(app, "kiri", "2026-11-30T09:59:00Z"); // 11-30 23:59 in Kiritimati
            pixel(app, "kiri", "2026-11-30T10:00:00Z"); // 12-01 00:00
            pixel(app, "kiri", "2026-11-30T23:30:00Z"); // 12-01 13:30
            pixel(app, "pago", "2026-11-30T23:30:00Z"); // 11-30 12:30 in Pago Pago
            pixel(app, "pago", "2026-12-01T00:30:00Z"); // 11-30 13:30
            clock.set(Instant.parse("2026-12-01T00:45:00Z"));
            assertEquals("2+1", app.query("kiri/home"));
            assertEquals("2+0", app.query("pago/home"), "Pago Pago is still on 11-30");
            pixel(app, "pago", "2026-12-01T12:00:00Z"); // 12-01 01:00 in Pago Pago
        }
        try (TestServer app = start()) {
            assertEquals("0+2", app.query("kiri/home"), "rebuilt from the log on the tenant's dates: kiri is on 12-02");
            assertEquals("1+2", app.query("pago/home"));
        }

        clock.set(Instant.parse("2026-12-02T00:05:00Z"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.aggregate(Settings.of(settings()), "2026-11-30", clock,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())), out.toString());
        ByteArrayOutputStream waiting = new ByteArrayOutputStream();
        assertEquals(0, Main.aggregate(Settings.of(settings()), "2026-12-01", clock,
                new PrintStream(waiting, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(waiting.toString(StandardCharsets.UTF_8).contains("2026-12-01: incomplete: pago (behind TIMEZONE) "
                + "still have hours of it in today's log file"), waiting.toString(StandardCharsets.UTF_8));
        clock.set(Instant.parse("2026-12-05T12:00:00Z"));
        try (TestServer app = start()) {
            String kiri = json(app, "kiri");
            String pago = json(app, "pago");
            assertTrue(kiri.contains("{\"day\":\"2026-11-30\",\"count\":1,") && kiri.contains("\"source\":\"archive\""), kiri);
            assertTrue(pago.contains("{\"day\":\"2026-11-30\",\"count\":2,") && pago.contains("\"source\":\"archive\""), pago);
        }
    }

    /** Hourly series in the tenant's zone (+05:45, server UTC): the same hours live and once archived. */
    @Test
    void hoursAreTheTenantsHoursLiveAndArchived() throws Exception {
        assertEquals("0", tenant("add", "ktm")[0]);
        String[] set = tenant("set", "ktm", "time-zone", "Asia/Kathmandu");
        assertEquals("0", set[0], set[2]);
        try (TestServer app = start()) {
            pixel(app, "ktm", "2026-11-30T18:20:00Z"); // 12-01 00:05 in Kathmandu, 11-30 in UTC
            pixel(app, "ktm", "2026-12-01T03:10:00Z"); // 12-01 08:55
            clock.set(Instant.parse("2026-12-01T04:00:00Z"));
            assertHours(hours(app), "live");
        }
        clock.set(Instant.parse("2026-12-05T12:00:00Z"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.aggregate(Settings.of(settings()), "2026-12-01", clock,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())), out.toString());
        try (TestServer app = start()) {
            assertHours(hours(app), "archive");
        }
    }

    private static String hours(TestServer app) throws Exception {
        var r = app.get("/p-query/ktm/home?from=2026-12-01&to=2026-12-01&granularity=hour", "X-Api-Key", TestServer.API_KEY);
        assertEquals(200, r.statusCode());
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static void assertHours(String body, String source) {
        assertTrue(body.contains("\"zone\":\"Asia/Kathmandu\""), body);
        assertTrue(body.contains("{\"day\":\"2026-12-01\",\"count\":2,"), body);
        assertTrue(body.contains("\"source\":\"" + source + "\""), body);
        assertTrue(body.contains("{\"hour\":\"2026-12-01T00:00+05:45\",\"count\":1}"), body);
        assertTrue(body.contains("{\"hour\":\"2026-12-01T08:00+05:45\",\"count\":1}"), body);
        assertEquals(24, body.split("\"hour\":").length - 1, body);
    }

    private static String json(TestServer app, String tenant) throws Exception {
        var r = app.get("/p-query/" + tenant + "/home?from=2026-11-30&to=2026-11-30&format=json", "X-Api-Key",
                TestServer.API_KEY);
        assertEquals(200, r.statusCode());
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
