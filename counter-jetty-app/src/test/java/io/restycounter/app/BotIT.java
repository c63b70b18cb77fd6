package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crawlers get their pixel and their log line, marked "bot":true, and count only with COUNT_BOTS=true. */
class BotIT {

    private static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    private static final String FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

    @TempDir
    Path dir;

    @Test
    void botHitsAreLoggedAsBotsAndNotCountedByDefaultNorAfterARestart() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(dir, clock, "RATE_LIMIT", "0")) {
            HttpResponse<byte[]> bot = app.get("/p/acme/home", "User-Agent", GOOGLEBOT);
            assertEquals(200, bot.statusCode(), "a crawler gets its pixel like anyone");
            assertEquals(200, app.get("/p/acme/home", "User-Agent", FIREFOX).statusCode());
            assertEquals("1+0", app.query("acme/home"), "only the browser counts");
            app.server().engine().flush();
            List<String> lines = Files.readAllLines(TestServer.logFile(dir, "2026-11-29"));
            assertEquals(2, lines.size(), "both are logged");
            assertTrue(lines.get(0).contains("\"bot\":true"), lines.get(0));
            assertFalse(lines.get(1).contains("\"bot\""), lines.get(1));
        }
        try (TestServer again = TestServer.start(dir, clock, "RATE_LIMIT", "0")) {
            assertEquals("1+0", again.query("acme/home"), "the rebuild skips bot lines too");
        }
    }

    @Test
    void countBotsTrueCountsThemLiveAndAfterARestart() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        try (TestServer app = TestServer.start(dir, clock, "RATE_LIMIT", "0", "COUNT_BOTS", "true")) {
            assertEquals(200, app.get("/p/acme/home", "User-Agent", GOOGLEBOT).statusCode());
            assertEquals(200, app.get("/p/acme/home", "User-Agent", FIREFOX).statusCode());
            assertEquals("2+0", app.query("acme/home"));
            app.server().engine().flush();
            assertTrue(Files.readAllLines(TestServer.logFile(dir, "2026-11-29")).get(0).contains("\"bot\":true"));
        }
        try (TestServer again = TestServer.start(dir, clock, "RATE_LIMIT", "0", "COUNT_BOTS", "true")) {
            assertEquals("2+0", again.query("acme/home"), "rebuilt with the bots, as they were counted");
        }
    }
}
