package io.restycounter.core.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restycounter.core.CounterKey;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.Settings;
import io.restycounter.core.guard.PixelSigning;
import io.restycounter.core.log.DailyFileHitLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties over what a client controls: the pixel path and query, and every header that reaches
 * the log. jqwik generates thousands of inputs, shrinking any failure to its smallest form.
 */
class PixelInputPropertiesTest {

    private static final Pattern ALLOWED = Pattern.compile("example\\.com", Pattern.CASE_INSENSITIVE);
    private static final PixelSigning SIGNING = PixelSigning.from(Settings.of(Map.of("SIGNING_KEYS", "signed:0123456789abcdef0123")));
    private static final Set<Integer> STATUSES = Set.of(200, 302, 400, 403, 404);

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("properties");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<String> pathLike() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcXYZ019._~-%/+ \u00e9\u0000\n").ofMaxLength(40),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(140),
                Arbitraries.of("..", ".", "%2F", "%2E%2E", "%", "%zz", "%C3%A9", "acme", "signed"));
        return segment.list().ofMaxSize(4).map(parts -> "/" + String.join("/", parts));
    }

    @Provide
    Arbitrary<String> queryLike() {
        Arbitrary<String> name = Arbitraries.of("v", "redir", "exp", "sig", "x", "", "v=");
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(30),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of("http%3A%2F%2Fexample.com%2F", "https://example.com.evil/", "%", "%ZZ", "1e3"));
        Arbitrary<String> pair = net.jqwik.api.Combinators.combine(name, value).as((n, v) -> n + "=" + v);
        return Arbitraries.oneOf(pair.list().ofMaxSize(4).map(l -> String.join("&", l)), Arbitraries.just((String) null));
    }

    @Property(tries = 3000)
    void parsingNeverThrowsAndOnlyValidCountersCount(@ForAll("pathLike") String path, @ForAll("queryLike") String query) {
        PixelRequest r = PixelRequest.parse(path, query, 1000, ALLOWED, SIGNING, 1_800_000_000_000L);
        assertTrue(STATUSES.contains(r.status()), "status " + r.status());
        if (r.status() == 200 || r.status() == 302) {
            assertNotNull(r.key());
            assertTrue(r.inc() >= 1 && r.inc() <= 1000, "inc " + r.inc());
            assertTrue(CounterKey.isValidCounter(r.key().counter()));
            assertTrue(!r.key().tenant().equals("signed") || query != null && query.contains("sig="),
                    "a signing tenant never counts unsigned");
        } else {
            assertNull(r.key(), "a refused hit has nothing to count");
            assertNotNull(r.error());
        }
        assertEquals(r.status() == 302, r.redirect() != null);
    }

    @Property(tries = 300)
    void everyHeaderStaysInsideOneValidLogLine(@ForAll String ua, @ForAll String referer, @ForAll String xff,
            @ForAll String host) throws IOException {
        Path logDir = Files.createTempDirectory(dir, "log");
        try (DailyFileHitLog log = new DailyFileHitLog(logDir, ZoneOffset.UTC, null, GeoIp.none(), 4)) {
            log.start();
            log.append(new Hit(1_764_400_000_000L, new CounterKey("acme", "x"), 1, 200, "GET", "/p/acme/x?" + referer,
                    xff, xff, host, "https", referer, ua));
            log.flush();
        }
        List<String> lines = Files.readAllLines(logDir.resolve(LocalDate.of(2025, 11, 29) + "-access.log"),
                StandardCharsets.UTF_8);
        assertEquals(1, lines.size(), "one hit, one line");
        Map<String, String> f = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(lines.get(0))) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                f.put(name, p.getValueAsString());
            }
            assertNull(p.nextToken(), "nothing after the object");
        }
        assertEquals(toUtf8AndBack(ua), f.get("ua"));
        assertEquals(toUtf8AndBack(referer), f.get("referer"));
        assertEquals(toUtf8AndBack(xff), f.get("xff"));
        assertEquals(toUtf8AndBack(host), f.get("host"));
        assertEquals("acme", f.get("tenant"));
    }

    /** A lone surrogate cannot be written as UTF-8; the encoder replaces it, as this does. */
    private static String toUtf8AndBack(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
