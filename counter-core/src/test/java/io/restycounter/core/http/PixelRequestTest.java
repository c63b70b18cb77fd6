package io.restycounter.core.http;

import io.restycounter.core.CounterKey;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelRequestTest {

    private static final Pattern ALLOWED = Pattern.compile("(www\\.)?example\\.com", Pattern.CASE_INSENSITIVE);

    private static PixelRequest parse(String path, String query) {
        return PixelRequest.parse(path, query, 1000, ALLOWED);
    }

    @Test
    void plainHitCountsOne() {
        PixelRequest r = parse("/acme/signup", null);
        assertEquals(200, r.status());
        assertEquals(new CounterKey("acme", "signup"), r.key());
        assertEquals(1, r.inc());
        assertNull(r.redirect());
    }

    @Test
    void decodesUnreservedPercentEscapesInTheCounter() {
        assertEquals("a~b", parse("/acme/a%7Eb", null).key().counter());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/Acme/x", "/acme/", "/acme", "/", "", "/acme/x/y", "/acme/x/", "//x",
        "/acme/a%2Fb", "/acme/a%2fb", "/acme/..", "/acme/%2E%2E", "/acme/.", "/acme/a%20b", "/acme/%",
        "/acme/%zz", "/acme/%C3%A9", "/acme/%FF", "/../acme/x"})
    void badPathsAre404(String path) {
        PixelRequest r = parse(path, null);
        assertEquals(404, r.status(), path);
        assertNull(r.key());
    }

    @Test
    void counterOver128CharactersIs404() {
        assertEquals(200, parse("/acme/" + "c".repeat(128), null).status());
        assertEquals(404, parse("/acme/" + "c".repeat(129), null).status());
    }

    @ParameterizedTest
    @CsvSource({"v=5,5", "v=1,1", "v=1000,1000", "x=1&v=7,7", "v=3&v=9,3"})
    void vAddsN(String query, long inc) {
        PixelRequest r = parse("/acme/x", query);
        assertEquals(200, r.status());
        assertEquals(inc, r.inc());
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=", "v=abc", "v=0", "v=-1", "v=1001", "v=1.5", "v=+3", "v=99999999999", "v=%zz", "v"})
    void badVIs400(String query) {
        PixelRequest r = parse("/acme/x", query);
        assertEquals(400, r.status(), query);
        assertTrue(r.error().startsWith("v:"), r.error());
    }

    @Test
    void maximumIsConfigurable() {
        assertEquals(400, PixelRequest.parse("/acme/x", "v=11", 10, null).status());
        assertEquals(200, PixelRequest.parse("/acme/x", "v=10", 10, null).status());
    }

    @Test
    void allowedRedirectIs302() {
        PixelRequest r = parse("/acme/x", "redir=https%3A%2F%2Fwww.example.com%2Fthanks%3Fa%3D1");
        assertEquals(302, r.status());
        assertEquals("https://www.example.com/thanks?a=1", r.redirect());
        assertEquals(new CounterKey("acme", "x"), r.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "redir=https%3A%2F%2Fevil.com%2F",
        "redir=https%3A%2F%2Fexample.com.evil.com%2F",
        "redir=https%3A%2F%2Fevil.com%2F%3Fexample.com",
        "redir=javascript%3Aalert(1)",
        "redir=%2F%2Fexample.com%2F",
        "redir=%2Frelative",
        "redir=ftp%3A%2F%2Fexample.com%2F",
        "redir=https%3A%2F%2Fuser%40example.com%2F",
        "redir=https%3A%2F%2Fexample.com%2F%0D%0ASet-Cookie%3Ax",
        "redir="})
    void refusedRedirectIs400(String query) {
        PixelRequest r = parse("/acme/x", query);
        assertEquals(400, r.status(), query);
        assertTrue(r.error().startsWith("redir:"), r.error());
    }

    @Test
    void noRedirectIsAllowedByDefault() {
        assertEquals(400, PixelRequest.parse("/acme/x", "redir=https%3A%2F%2Fexample.com%2F", 1000, null).status());
    }

    @Test
    void badPathWinsOverBadQuery() {
        assertEquals(404, parse("/ACME/x", "v=abc").status());
    }
}
