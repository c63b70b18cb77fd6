package io.restycounter.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterKey;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PageRulesTest {

    private static PageRules rules(String... params) {
        Map<String, String> m = new HashMap<>();
        m.put("tenant", "acme");
        for (int i = 0; i < params.length; i += 2) {
            m.put(params[i], params[i + 1]);
        }
        return PageRules.parse(m::get);
    }

    @ParameterizedTest
    @CsvSource({
        "/, index",
        "/index.html, index.html",
        "/docs/, docs.index",
        "/docs/intro.html, docs.intro.html",
        "/a b/c?, a_b.c_",
        "/café, caf_",
        "/emoji/\uD83D\uDE00, emoji._",
        "/..., ___",
        "/~user/x-y_z, ~user.x-y_z",
    })
    void counterFromPath(String path, String counter) {
        assertEquals(counter, PageRules.counterFromPath(path));
        assertTrue(CounterKey.isValidCounter(counter));
    }

    @Test
    void counterFromLongPathIsCutTo128() {
        String name = PageRules.counterFromPath("/" + "x".repeat(300));
        assertEquals("x".repeat(CounterKey.MAX_COUNTER_LENGTH), name);
    }

    @Test
    void defaultsCountEveryPageByPathButNoAssets() {
        PageRules r = rules();
        assertEquals("index", r.counterFor("/"));
        assertEquals("pricing", r.counterFor("/pricing"));
        for (String asset : new String[] {"/style.css", "/app.js", "/app.js.map", "/logo.PNG", "/favicon.ico",
                "/fonts/a.woff2", "/img/x.svg"}) {
            assertNull(r.counterFor(asset), asset);
        }
        assertEquals("report.pdf", r.counterFor("/report.pdf"));
        assertEquals(".htaccess", r.counterFor("/.htaccess"));
    }

    @Test
    void fixedCounter() {
        PageRules r = rules("counter", "pageviews");
        assertEquals("pageviews", r.counterFor("/docs/a.html"));
        assertEquals("pageviews", r.counterFor("/"));
        assertNull(r.counterFor("/a.css"));
    }

    @Test
    void includeAndExclude() {
        PageRules r = rules("include", "/docs/*, *.html, /about", "exclude", "/docs/private/*,/draft.html");
        assertEquals("docs", r.counterFor("/docs"));
        assertEquals("docs.index", r.counterFor("/docs/"));
        assertEquals("docs.a.b", r.counterFor("/docs/a/b"));
        assertNull(r.counterFor("/docsx"));
        assertEquals("x.y.html", r.counterFor("/x/y.html"));
        assertNull(r.counterFor("/x/y.htm"));
        assertNull(r.counterFor("/x.html/y"));
        assertEquals("about", r.counterFor("/about"));
        assertNull(r.counterFor("/about/"));
        assertNull(r.counterFor("/docs/private"));
        assertNull(r.counterFor("/docs/private/a.html"));
        assertNull(r.counterFor("/draft.html"));
        assertNull(r.counterFor("/"));
    }

    @Test
    void exactRootPattern() {
        PageRules r = rules("include", "/");
        assertEquals("index", r.counterFor("/"));
        assertNull(r.counterFor("/a"));
    }

    @Test
    void assetExtensionsReplaceTheDefaults() {
        PageRules r = rules("asset-extensions", ".txt, PDF");
        assertEquals("style.css", r.counterFor("/style.css"));
        assertNull(r.counterFor("/robots.txt"));
        assertNull(r.counterFor("/a.pdf"));
        PageRules all = rules("asset-extensions", "none");
        assertEquals("style.css", all.counterFor("/style.css"));
        assertFalse(all.isAsset("/logo.png"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ACME", "acme-corp", "a23456789012345678901234567890123"})
    void badTenantIsRefusedNamingTheParam(String tenant) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rules("tenant", tenant));
        assertTrue(e.getMessage().startsWith("tenant: "), e.getMessage());
    }

    @Test
    void missingTenantIsRefused() {
        Map<String, String> none = Map.of();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PageRules.parse(none::get));
        assertTrue(e.getMessage().startsWith("tenant: required"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "include | docs/*",
        "include | /docs/*/x",
        "exclude | *.",
        "exclude | /a*",
        "exclude | *.a/b",
        "counter | a/b",
        "counter | ..",
        "counter-from | query",
        "asset-extensions | css,,js",
        "asset-extensions | a/b",
    })
    void badParamsAreRefusedNamingTheParam(String param, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rules(param, value));
        assertTrue(e.getMessage().startsWith(param + ": "), e.getMessage());
    }

    @Test
    void counterAndCounterFromTogetherAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rules("counter", "a", "counter-from", "path"));
        assertTrue(e.getMessage().startsWith("counter-from: "), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "/, /",
        "'', /",
        "/a%20b, /a b",
        "/a+b, /a+b",
        "/a;jsessionid=x/b;v=1, /a/b",
        "/caf%C3%A9, /café",
        "/bad%zz, /bad%zz",
    })
    void decodePath(String raw, String path) {
        assertEquals(path, CounterFilter.decodePath(raw));
    }
}
