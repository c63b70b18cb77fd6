package io.restycounter.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import io.restycounter.core.guard.PixelSigning;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18, item 5: a badge counts as the pixel does and shows the count in an SVG that fits its text. */
class BadgesTest {

    private static final String SECRET = "badge-signing-secret-01";
    private static final LocalDate TODAY = LocalDate.parse("2026-11-29");

    @TempDir
    Path dir;
    private MutableClock clock;
    private CounterEngine engine;
    private Badges badges;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", "0123456789abcdef", "RATE_LIMIT", "1", "RATE_BURST", "5", "MAX_INCREMENT", "50",
                "SIGNING_KEYS", "signed:" + SECRET, "REDIRECT_ALLOWED", "example\\.com"))), clock);
        badges = new Badges(engine);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private HttpAnswer get(String path, String query) {
        return badges.respond("GET", path, query, null, this::record);
    }

    private CounterEngine.Outcome record(PixelRequest pixel) {
        return engine.record(new Hit(engine.now(), pixel.key(), pixel.inc(), pixel.status(), "GET", "/b", "198.51.100.1",
                null, null, null, null, "Mozilla/5.0 (X11; Linux x86_64)"));
    }

    private long today(String counter) throws Exception {
        return engine.counts(new CounterKey("acme", counter), TODAY, TODAY).getOrDefault(TODAY, 0L);
    }

    private static String texts(String svg) {
        Matcher m = Pattern.compile("<text class=\"(label|value)\"[^>]*>([^<]*)</text>").matcher(svg);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            b.append(m.group(1)).append('=').append(m.group(2)).append(';');
        }
        return b.toString();
    }

    @Test
    void aBadgeCountsAndShowsTodaysCount() throws Exception {
        HttpAnswer a = get("/acme/readme.svg", null);
        assertEquals(200, a.status());
        assertEquals("image/svg+xml", a.header("Content-Type"));
        assertEquals("no-cache, max-age=0", a.header("Cache-Control"));
        assertTrue(a.header("ETag").matches("\"[0-9a-f]{32}\""), a.header("ETag"));
        assertEquals("label=views;value=1;", texts(a.bodyText()));
        assertTrue(a.bodyText().startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), a.bodyText());
        assertEquals("label=views;value=4;", texts(get("/acme/readme.svg", "v=3").bodyText()));
        assertEquals(4, today("readme"));
    }

    @Test
    void showRangeAndTotalSumTheDays() throws Exception {
        engine.store().increment(new CounterKey("acme", "readme"), TODAY.minusDays(1), 10);
        assertEquals("label=views;value=11;", texts(get("/acme/readme.svg", "show=range&from=2026-11-28").bodyText()));
        assertEquals("label=views;value=12;", texts(get("/acme/readme.svg", "show=total").bodyText()));
        assertEquals("label=views;value=3;", texts(get("/acme/readme.svg", "show=today").bodyText()));
        assertEquals("label=views;value=4;", texts(get("/acme/readme.svg", "show=range").bodyText()), "from: today");
    }

    @Test
    void theLabelIsEscapedAndItsBoxFitsItsMeasuredWidth() {
        HttpAnswer a = get("/acme/readme.svg", "label=%3Cscript%3E%26%22it%27s%22");
        String svg = a.bodyText();
        assertFalse(svg.contains("<script"), svg);
        assertEquals("label=&lt;script&gt;&amp;&quot;it&#39;s&quot;;value=1;", texts(svg));
        assertTrue(svg.contains("<title>&lt;script&gt;&amp;&quot;it&#39;s&quot;: 1</title>"), svg);
        double width = BadgeFont.width("<script>&\"it's\"");
        assertTrue(svg.contains("<rect class=\"label\" width=\"" + ((int) Math.ceil(width) + 12) + "\""), svg);
        assertTrue(svg.contains(String.format(java.util.Locale.ROOT, "textLength=\"%.2f\"", width)), svg);
        // A wide label makes a wide box: "WWWW" is wider than "iiii" in any real font, and in the table.
        assertTrue(BadgeFont.width("WWWW") > 2.5 * BadgeFont.width("iiii"));
        assertEquals(31.06, BadgeFont.width("views"), 0.02, "DejaVu Sans 11px lays out \"views\" 31.06 px wide");
        assertEquals(11.0, BadgeFont.width("\u4e2d"), 0.001, "outside the table: one em");
    }

    @Test
    void stylesDifferAndAnUnknownOneIs400() {
        String flat = get("/acme/readme.svg", "style=flat").bodyText();
        String square = get("/acme/readme.svg", "style=flat-square").bodyText();
        String plastic = get("/acme/readme.svg", "style=plastic").bodyText();
        assertTrue(flat.contains("height=\"20\"") && flat.contains("rx=\"3\"") && flat.contains("linearGradient"), flat);
        assertTrue(square.contains("rx=\"0\"") && !square.contains("linearGradient"), square);
        assertTrue(plastic.contains("height=\"18\"") && plastic.contains("rx=\"4\""), plastic);
        HttpAnswer bad = get("/acme/readme.svg", "style=3d");
        assertEquals(400, bad.status());
        assertTrue(bad.bodyText().contains("<title>views: style: expected flat, flat-square or plastic</title>"),
                bad.bodyText());
        assertEquals("label=views;value=invalid;", texts(bad.bodyText()));
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndCountsNothing() throws Exception {
        String[][] cases = {
            {"/acme/readme.svg", "v=51", "v: expected an integer from 1 to 50"},
            {"/acme/readme.svg", "label=" + "x".repeat(41), "label: expected 1 to 40 characters"},
            {"/acme/readme.svg", "label=a%0Ab", "label: expected printable characters"},
            {"/acme/readme.svg", "label=abc%E2%80%AEgpj.exe", "label: expected printable characters"},
            {"/acme/readme.svg", "label=%FF", "label: bad percent-encoding or UTF-8"},
            {"/acme/readme.svg", "show=week", "show: expected today, range or total"},
            {"/acme/readme.svg", "show=range&from=2026-11-30", "from: expected a day on or before today (2026-11-29)"},
            {"/acme/readme.svg", "show=range&from=2020-01-01", "from: the range may cover at most 366 days (MAX_RANGE_DAYS)"},
            {"/acme/readme.svg", "show=range&from=yesterday", "from: expected a date yyyy-MM-dd"},
            {"/acme/readme.svg", "from=2026-11-28", "from: only with show=range"},
            {"/acme/readme.svg", "redir=https%3A%2F%2Fexample.com%2F", "redir: a badge does not redirect"},
        };
        for (String[] c : cases) {
            HttpAnswer a = get(c[0], c[1]);
            assertEquals(400, a.status(), c[1]);
            assertTrue(a.bodyText().contains(": " + Badge.xml(c[2]) + "</title>"), c[1] + " " + a.bodyText());
            assertNull(a.header("ETag"));
        }
        assertEquals(404, get("/acme/readme.png", null).status());
        assertEquals(404, get("/ACME/readme.svg", null).status());
        assertEquals(404, get("/acme/a%2Fb.svg", null).status());
        assertEquals(0, today("readme"));
        assertEquals(405, badges.respond("POST", "/acme/readme.svg", null, null, this::record).status());
    }

    @Test
    void signingAndRateLimitsApplyAsForThePixel() throws Exception {
        assertEquals(403, get("/signed/readme.svg", "v=1").status());
        String sig = PixelSigning.sign(SECRET, "signed", "readme", "label=stars");
        HttpAnswer signed = get("/signed/readme.svg", "label=stars&sig=" + sig);
        assertEquals(200, signed.status());
        assertEquals("label=stars;value=1;", texts(signed.bodyText()));
        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/acme/readme.svg", null).status());
        }
        HttpAnswer limited = get("/acme/readme.svg", null);
        assertEquals(429, limited.status());
        assertEquals("1", limited.header("Retry-After"));
        assertEquals("label=views;value=rate limited;", texts(limited.bodyText()));
        assertEquals(4, today("readme"));
        assertEquals(5, engine.fateCount(CounterEngine.Outcome.COUNTED));
        assertEquals(1, engine.fateCount(CounterEngine.Outcome.RATE_LIMITED));
    }

    @Test
    void aMatchingEtagIs304AndTheHitStillGoesThroughTheEngine() throws Exception {
        HttpAnswer first = get("/acme/readme.svg", "show=today");
        String etag = first.header("ETag");
        HttpAnswer head = badges.respond("HEAD", "/acme/readme.svg", "show=today", etag, this::record);
        assertEquals(304, head.status(), "HEAD counts nothing, so the badge is the same");
        assertEquals(etag, head.header("ETag"));
        assertEquals(0, head.bodyLength());
        // A crawler's view is logged, not counted: the badge does not change, so it revalidates.
        HttpAnswer crawler = badges.respond("GET", "/acme/readme.svg", "show=today", "W/" + etag,
                pixel -> engine.record(new Hit(engine.now(), pixel.key(), pixel.inc(), pixel.status(), "GET", "/b",
                        "198.51.100.2", null, null, null, null, "Googlebot/2.1 (+http://www.google.com/bot.html)")));
        assertEquals(304, crawler.status());
        assertEquals(0, crawler.bodyLength());
        assertEquals(1, engine.fateCount(CounterEngine.Outcome.LOGGED_AS_BOT));
        HttpAnswer counted = badges.respond("GET", "/acme/readme.svg", "show=today", etag, this::record);
        assertEquals(200, counted.status(), "a counted view changes the count, so the badge");
        assertEquals("label=views;value=2;", texts(counted.bodyText()));
        assertEquals(2, today("readme"));
    }
}
