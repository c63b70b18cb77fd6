package io.restycounter.core.http;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16, item 3, on the embedded store: prefix queries come in pages instead of a 400 past 100. */
class PagingTest {

    @TempDir
    Path dir;
    private CounterEngine engine;
    private CounterQuery query;

    @BeforeEach
    void start() {
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", Pages.API_KEY, "RATE_LIMIT", "0"))), new MutableClock(Instant.parse("2026-11-29T12:00:00Z")));
        query = new CounterQuery(engine);
        Pages.count(engine, 2500);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void aPrefixOf2500CountersComesInPagesThatFollowTheirCursor() {
        List<Integer> sizes = new ArrayList<>();
        List<String> all = Pages.allPages(query, "prefix=news&limit=1000", 10, sizes);
        assertEquals(List.of(1000, 1000, 500), sizes);
        assertEquals(2500, all.size());
        for (int i = 0; i < 2500; i++) {
            assertEquals(String.format("news-%04d", i), all.get(i));
        }
        CounterQuery.Answer first = Pages.ask(query, "prefix=news");
        assertEquals(200, first.status(), first.body());
        assertEquals(Paging.DEFAULT_LIMIT, Pages.counters(first.body()).size());
        assertEquals("news-0099", Pages.cursor(first.body()));
        assertNull(Pages.cursor(Pages.ask(query, "prefix=news-24&limit=1000").body()), "one short page: no cursor");
    }

    @Test
    void limitOutsideOneToAThousandIs400() {
        assertEquals(400, Pages.ask(query, "prefix=news&limit=1001").status());
        assertEquals(400, Pages.ask(query, "prefix=news&limit=0").status());
        assertTrue(Pages.ask(query, "prefix=news&limit=x").body().contains("\"parameter\":\"limit\""));
        assertEquals(400, Pages.ask(query, "prefix=news&cursor=a%20b").status());
    }

    @Test
    void sortByTotalGivesTheTopCounters() {
        CounterQuery.Answer a = Pages.ask(query, "prefix=news&sort=total&limit=5");
        assertEquals(200, a.status(), a.body());
        assertEquals(List.of(7L, 7L, 7L, 7L, 7L), Pages.totals(a.body()));
        assertEquals(List.of("news-0006", "news-0013", "news-0020", "news-0027", "news-0034"), Pages.counters(a.body()));
        assertTrue(a.body().contains("\"complete\":true"), a.body());
    }
}
