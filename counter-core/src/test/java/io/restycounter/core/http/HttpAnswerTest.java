package io.restycounter.core.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The answers both front doors send, as the README's HTTP and Reporting tables give them. */
class HttpAnswerTest {

    @TempDir
    Path dir;
    private CounterEngine engine;

    @BeforeEach
    void start() {
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", "0123456789abcdef", "CORS_ORIGINS", "https://app.example.com"))),
                new MutableClock(Instant.parse("2026-11-29T12:00:00Z")));
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    /** Regression: a HEAD through PixelServlet had no Pragma, while the Jetty app's had. */
    @Test
    void everyPixelAnswerButThe405CarriesTheGifHeadersHeadIncluded() {
        for (PixelAnswer row : PixelAnswer.values()) {
            HttpAnswer a = row.answer();
            if (row == PixelAnswer.METHOD_NOT_ALLOWED) {
                assertEquals(405, a.status());
                assertEquals("GET, HEAD", a.header("Allow"));
                assertEquals(0, a.bodyLength());
                continue;
            }
            assertEquals("image/gif", a.header("Content-Type"), row.name());
            assertEquals("43", a.header("content-length"), row.name());
            assertEquals("no-cache, no-store, must-revalidate", a.header("Cache-Control"), row.name());
            assertEquals("no-cache", a.header("Pragma"), row.name());
            assertEquals(row == PixelAnswer.RATE_LIMITED || row == PixelAnswer.OVER_RATE_QUOTA
                    || row == PixelAnswer.UNAVAILABLE ? "1" : null,
                    a.header("Retry-After"), row.name());
            if (row == PixelAnswer.HEAD) {
                assertEquals(0, a.bodyLength());
            } else {
                ByteBuffer body = a.body();
                byte[] bytes = new byte[body.remaining()];
                body.get(bytes);
                assertArrayEquals(Pixel.gif(), bytes, row.name());
            }
        }
    }

    @Test
    void theRowFollowsTheParseAndTheOutcome() {
        Pattern example = Pattern.compile("example\\.com");
        PixelRequest ok = PixelRequest.parse("/acme/a", null, 10, example);
        PixelRequest redirect = PixelRequest.parse("/acme/a", "redir=http%3A%2F%2Fexample.com%2F", 10, example);
        assertSame(PixelAnswer.COUNTED, PixelAnswer.of(ok, CounterEngine.Outcome.COUNTED));
        assertSame(PixelAnswer.COUNTED, PixelAnswer.of(ok, CounterEngine.Outcome.LOGGED_AS_BOT));
        assertSame(PixelAnswer.OVER_RATE_QUOTA, PixelAnswer.of(ok, CounterEngine.Outcome.OVER_RATE_QUOTA));
        assertEquals(429, PixelAnswer.OVER_RATE_QUOTA.status());
        assertSame(PixelAnswer.OVER_COUNTER_QUOTA, PixelAnswer.of(ok, CounterEngine.Outcome.OVER_COUNTER_QUOTA));
        assertEquals(403, PixelAnswer.OVER_COUNTER_QUOTA.status());
        assertSame(PixelAnswer.NOT_FOUND, PixelAnswer.of(ok, CounterEngine.Outcome.NOT_ADMITTED));
        assertSame(PixelAnswer.RATE_LIMITED, PixelAnswer.of(ok, CounterEngine.Outcome.RATE_LIMITED));
        assertSame(PixelAnswer.UNAVAILABLE, PixelAnswer.of(ok, CounterEngine.Outcome.REFUSED_STORE_FULL));
        assertSame(PixelAnswer.UNAVAILABLE, PixelAnswer.of(redirect, CounterEngine.Outcome.REFUSED_LOG_FULL));
        assertSame(PixelAnswer.REDIRECT, PixelAnswer.of(redirect, CounterEngine.Outcome.COUNTED));
        assertEquals("http://example.com/", PixelAnswer.REDIRECT.answer(redirect).header("Location"));
        assertNull(PixelAnswer.REDIRECT.answer().header("Location"), "the row itself is shared by every redirect");
        assertSame(PixelAnswer.BAD_REQUEST, PixelAnswer.of(PixelRequest.parse("/acme/a", "v=0", 10, example), null));
        assertSame(PixelAnswer.NOT_FOUND, PixelAnswer.of(PixelRequest.parse("/ACME/a", null, 10, example), null));
        assertNull(PixelAnswer.withoutCounting("GET"));
        assertSame(PixelAnswer.HEAD, PixelAnswer.withoutCounting("HEAD"));
        assertSame(PixelAnswer.METHOD_NOT_ALLOWED, PixelAnswer.withoutCounting("POST"));
        assertSame(PixelAnswer.METHOD_NOT_ALLOWED, PixelAnswer.withoutCounting("OPTIONS"));
    }

    @Test
    void healthIsOkForGetAndHeadAnd405Otherwise() {
        HttpAnswer get = HttpAnswer.health("GET", engine);
        assertEquals(200, get.status());
        assertEquals("OK", get.bodyText());
        assertEquals("text/plain;charset=utf-8", get.header("Content-Type"));
        assertEquals("no-store", get.header("Cache-Control"));
        assertEquals("2", get.header("Content-Length"));
        HttpAnswer head = HttpAnswer.health("HEAD", engine);
        assertEquals(get.headers(), head.headers());
        assertEquals(0, head.bodyLength());
        HttpAnswer post = HttpAnswer.health("POST", engine);
        assertEquals(405, post.status());
        assertEquals("GET, HEAD", post.header("Allow"));
    }

    @Test
    void queryAnswersCarryTheirCachingAndAuthenticationHeaders() {
        CounterQuery query = new CounterQuery(engine);
        HttpAnswer missing = query.respond("GET", new CounterQuery.Request("/acme/a", null, null, null, null, null, null));
        assertEquals(401, missing.status());
        assertEquals("Bearer", missing.header("WWW-Authenticate"));
        assertEquals("no-store", missing.header("Cache-Control"));
        assertEquals("Accept, Authorization, X-Api-Key, Origin", missing.header("Vary"));

        HttpAnswer text = query.respond("GET",
                new CounterQuery.Request("/acme/a", null, "0123456789abcdef", null, null, null, null));
        assertEquals("0+0", text.bodyText());
        assertEquals("3", text.header("Content-Length"));
        assertNull(text.header("WWW-Authenticate"));

        HttpAnswer preflight = query.respond("OPTIONS",
                new CounterQuery.Request("/acme/a", null, null, null, null, null, "https://app.example.com"));
        assertEquals(204, preflight.status());
        assertEquals("https://app.example.com", preflight.header("Access-Control-Allow-Origin"));
        assertNull(preflight.header("Content-Type"), "204 has no content");
        assertNull(preflight.header("Content-Length"));

        for (String method : new String[] {"HEAD", "POST", "DELETE"}) {
            HttpAnswer refused = query.respond(method, new CounterQuery.Request("/acme/a", null, null, null, null, null, null));
            assertEquals(405, refused.status(), method);
            assertEquals("GET, OPTIONS", refused.header("Allow"));
        }
    }
}
