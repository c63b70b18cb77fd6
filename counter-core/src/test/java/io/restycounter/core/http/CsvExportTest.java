package io.restycounter.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.MutableClock;
import io.restycounter.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18, item 4: {@code format=csv} on range and multi-counter queries, streamed, quoted, guarded. */
class CsvExportTest {

    private static final String KEY = "0123456789abcdef";

    @TempDir
    Path dir;
    private MutableClock clock;
    private CounterEngine engine;
    private CounterQuery query;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", KEY, "RATE_LIMIT", "0"))), clock);
        query = new CounterQuery(engine);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private void count(String counter, LocalDate day, long n) {
        assertTrue(engine.store().increment(new CounterKey("acme", counter), day, n));
    }

    private HttpAnswer ask(String path, String rawQuery, String accept) {
        return query.respond("GET", new CounterQuery.Request(path, rawQuery, KEY, null, accept, null, null, "203.0.113.9"));
    }

    private static String body(HttpAnswer a) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        a.writeBodyTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void cellsAreQuotedAsRfc4180SaysAndFormulasAreDefused() {
        assertEquals("signup", CsvExport.cell("signup"));
        assertEquals("\"a,b\"", CsvExport.cell("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", CsvExport.cell("say \"hi\""));
        assertEquals("\"two\r\nlines\"", CsvExport.cell("two\r\nlines"));
        assertEquals("\"one\nline\"", CsvExport.cell("one\nline"));
        assertEquals("\"'=HYPERLINK(\"\"x\"\")\"", CsvExport.cell("=HYPERLINK(\"x\")"));
        assertEquals("'+1", CsvExport.cell("+1"));
        assertEquals("'-2+3", CsvExport.cell("-2+3"));
        assertEquals("'@SUM(A1)", CsvExport.cell("@SUM(A1)"));
        assertEquals("'\tx", CsvExport.cell("\tx"));
        assertEquals("\"'\rx\"", CsvExport.cell("\rx"));
        assertEquals("a-b=c", CsvExport.cell("a-b=c"));
        assertEquals("", CsvExport.cell(""));
    }

    @Test
    void aRangeAsCsvHasAHeaderRowOneRowADayAndItsOwnHeaders() throws IOException {
        count("signup", LocalDate.parse("2026-11-28"), 2);
        count("signup", LocalDate.parse("2026-11-29"), 8);
        HttpAnswer a = ask("/acme/signup", "from=2026-11-28&to=2026-11-29&format=csv", null);
        assertEquals(200, a.status());
        assertTrue(a.streamed());
        assertEquals("text/csv;charset=utf-8", a.header("Content-Type"));
        assertNull(a.header("Content-Length"), "streamed: the length is not known up front");
        assertEquals("no-store", a.header("Cache-Control"));
        assertEquals("attachment; filename=\"acme-signup-2026-11-28-2026-11-29.csv\"", a.header("Content-Disposition"));
        assertEquals("counter,day,count,source\r\nsignup,2026-11-28,2,live\r\nsignup,2026-11-29,8,live\r\n", body(a));
        // Without from/to, CSV is a series like JSON's: today.
        assertEquals("counter,day,count,source\r\nsignup,2026-11-29,8,live\r\n",
                body(ask("/acme/signup", "format=csv", null)));
    }

    @Test
    void acceptChoosesCsvWhenNoFormatIsGiven() throws IOException {
        count("signup", LocalDate.parse("2026-11-29"), 8);
        count("-neg", LocalDate.parse("2026-11-29"), 1);
        HttpAnswer a = ask("/acme", "counter=signup&counter=-neg&from=2026-11-29", "text/csv");
        assertEquals("text/csv;charset=utf-8", a.header("Content-Type"));
        assertEquals("counter,day,count,source\r\nsignup,2026-11-29,8,live\r\n'-neg,2026-11-29,1,live\r\n", body(a));
        assertEquals("attachment; filename=\"acme-2026-11-29-2026-11-29.csv\"", a.header("Content-Disposition"));
        assertTrue(CsvExport.preferredBy("text/csv, application/json"));
        assertTrue(CsvExport.preferredBy("application/json;q=0.5, text/csv"));
        assertFalse(CsvExport.preferredBy("application/json, text/csv"));
        assertFalse(CsvExport.preferredBy("text/csv;q=0, */*"));
        assertFalse(CsvExport.preferredBy("*/*"));
        assertFalse(CsvExport.preferredBy(null));
        assertEquals("application/json", ask("/acme", "counter=signup", "application/json, text/csv;q=0.9")
                .header("Content-Type"));
        assertEquals("application/json", ask("/acme", "counter=signup&format=json", "text/csv").header("Content-Type"));
    }

    @Test
    void anUnknownFormatIs400NamingTheField() {
        HttpAnswer a = ask("/acme/signup", "format=xml", null);
        assertEquals(400, a.status());
        assertEquals("{\"error\":\"format: expected json or csv, got \\\"xml\\\"\",\"parameter\":\"format\"}", a.bodyText());
        assertEquals(400, ask("/acme/signup", "from=2026-11-29&format=csv&to=2026-13-01", null).status());
    }

    @Test
    void aPrefixPageGivesItsNextCursorInAHeader() throws IOException {
        for (int i = 0; i < 5; i++) {
            count(String.format("news-%02d", i), LocalDate.parse("2026-11-29"), i + 1);
        }
        HttpAnswer first = ask("/acme", "prefix=news&limit=3&format=csv", null);
        assertEquals("news-02", first.header("X-Next-Cursor"));
        assertEquals("counter,day,count,source\r\n"
                + rows("news-00", 1) + rows("news-01", 2) + rows("news-02", 3), body(first));
        assertEquals("attachment; filename=\"acme-2026-11-23-2026-11-29.csv\"", first.header("Content-Disposition"));
        HttpAnswer second = ask("/acme", "prefix=news&limit=3&cursor=news-02&format=csv", null);
        assertNull(second.header("X-Next-Cursor"), "the last page");
        assertEquals("attachment; filename=\"acme-2026-11-23-2026-11-29-after-news-02.csv\"",
                second.header("Content-Disposition"));
        assertEquals("counter,day,count,source\r\n" + rows("news-03", 4) + rows("news-04", 5), body(second));
        HttpAnswer top = ask("/acme", "prefix=news&limit=2&sort=total&format=csv", null);
        assertEquals("counter,day,count,source\r\n" + rows("news-04", 5) + rows("news-03", 4), body(top));
    }

    /** The default 7 days of a prefix query, the embedded store's live window yesterday and today. */
    private static String rows(String counter, long today) {
        StringBuilder b = new StringBuilder();
        for (LocalDate d = LocalDate.parse("2026-11-23"); !d.isAfter(LocalDate.parse("2026-11-29")); d = d.plusDays(1)) {
            b.append(counter).append(',').append(d).append(',').append(d.getDayOfMonth() == 29 ? today : 0)
                    .append(d.isBefore(LocalDate.parse("2026-11-28")) ? ",archive\r\n" : ",live\r\n");
        }
        return b.toString();
    }

    /**
     * A page of 1,000 counters is written while it is read: once the first bytes are out, a hit on the
     * last counter still shows in its row. Had the rows been gathered first, it would not.
     */
    @Test
    void aBigPageIsWrittenWhileItIsRead() throws IOException {
        LocalDate today = LocalDate.parse("2026-11-29");
        for (int i = 0; i < 1000; i++) {
            count(String.format("news-%04d", i), today, 1);
        }
        HttpAnswer a = ask("/acme", "prefix=news&limit=1000&from=2026-11-28&format=csv", null);
        long[] bytesWhenCounted = {-1};
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (bytesWhenCounted[0] < 0) {
                    bytesWhenCounted[0] = all.size();
                    count("news-0999", today, 1000);
                }
                all.write(b, off, len);
            }
        };
        a.writeBodyTo(out);
        String csv = all.toString(StandardCharsets.UTF_8);
        assertEquals(1 + 2000, csv.split("\r\n").length);
        assertTrue(csv.endsWith("news-0999,2026-11-28,0,live\r\nnews-0999,2026-11-29,1001,live\r\n"), csv.substring(csv.length() - 200));
        assertTrue(bytesWhenCounted[0] == 0, "the first write came before the last counter was read");
        assertTrue(csv.length() > 50_000);
    }

    /** A streamed answer holds its query slot until it is written, then gives it back. */
    @Test
    void aCsvAnswerGivesItsSlotBackOnceWritten() throws IOException {
        for (int i = 0; i < 3 * QueryGuard.NODE_QUERIES; i++) {
            HttpAnswer a = ask("/acme/signup", "format=csv", null);
            assertEquals(200, a.status(), "query " + i);
            body(a);
        }
        HttpAnswer[] held = new HttpAnswer[QueryGuard.KEY_QUERIES];
        for (int i = 0; i < held.length; i++) {
            held[i] = ask("/acme/signup", "format=csv", null);
            assertEquals(200, held[i].status());
        }
        assertEquals(429, ask("/acme/signup", "format=csv", null).status(), "every slot of the key is held");
        body(held[0]);
        assertEquals(200, ask("/acme/signup", "format=json", null).status(), "one given back");
    }
}
