package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.report.DailyAggregation;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report page in a real headless Chromium against the real app: chart bars, table and CSV match the API. */
class ReportPageIT {

    @TempDir
    Path dir;

    private String dumpDom(String url) throws Exception {
        return HeadlessChromium.dumpDom(dir, url);
    }

    @Test
    void pageDrawsTheApiAnswerAndOffersItAsCsv() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "RATE_LIMIT", "0")) {
            app.get("/p/acme/signup?v=3");
            app.get("/p/acme/news.a");
            clock.set(Instant.parse("2026-11-27T10:00:00Z"));
            app.get("/p/acme/signup?v=4");
            clock.set(Instant.parse("2026-11-28T10:00:00Z"));
            app.get("/p/acme/signup");
            CounterEngine engine = app.server().engine();
            engine.flush();
            new DailyAggregation(engine.config(), engine.archive(), engine.store(), clock).runOnce(LocalDate.parse("2026-11-25"));

            HttpResponse<byte[]> page = app.get("/report/acme");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertEquals(404, app.get("/report/ACME").statusCode());

            String api = new String(app.get("/p-query/acme?counter=signup&counter=news.a&from=2026-11-25&to=2026-11-28",
                    "X-Api-Key", TestServer.API_KEY).body(), StandardCharsets.UTF_8);
            StringBuilder expectedCsv = new StringBuilder("counter,day,count,source\r\n");
            Matcher counter = Pattern.compile("\\{\"counter\":\"([^\"]+)\",\"total\":\\d+,"
                    + "(?:\"uniques\":\\d+,(?:\"uniques_from\":\"[^\"]+\",)?)?\"days\":\\[(.*?)]}").matcher(api);
            List<String> counts = new ArrayList<>();
            while (counter.find()) {
                Matcher d = Pattern.compile("\\{\"day\":\"([^\"]+)\",\"count\":(\\d+),(?:\"uniques\":\\d+,)?\"source\":\"(\\w+)\"}")
                        .matcher(counter.group(2));
                while (d.find()) {
                    expectedCsv.append(counter.group(1)).append(',').append(d.group(1)).append(',').append(d.group(2))
                            .append(',').append(d.group(3)).append("\r\n");
                    counts.add(d.group(2));
                }
            }
            assertEquals(List.of("3", "0", "4", "1", "1", "0", "0", "0"), counts, api);

            String dom = dumpDom(app.uri("/report/acme").toString() + "#key=" + TestServer.API_KEY
                    + "&counter=signup,news.a&from=2026-11-25&to=2026-11-28");
            Matcher bars = Pattern.compile("<rect class=\"bar (live|archive)\"[^>]*data-count=\"(\\d+)\"").matcher(dom);
            List<String> drawn = new ArrayList<>();
            while (bars.find()) {
                drawn.add(bars.group(2));
            }
            assertEquals(counts, drawn, "one bar per counter and day, in order: " + dom);
            assertTrue(dom.contains("<h2>signup (8)</h2>"), dom);
            assertTrue(dom.contains("<td>2026-11-27</td><td>4</td><td>live</td>"), dom);
            // The download is the server's CSV of the same query (the page fetches it with the key in a header).
            Matcher csv = Pattern.compile("id=\"csv\" data-url=\"([^\"]+)\"").matcher(dom);
            assertTrue(csv.find(), dom);
            String csvUrl = csv.group(1).replace("&amp;", "&");
            assertTrue(csvUrl.startsWith("/p-query/acme?") && csvUrl.endsWith("&format=csv"), csvUrl);
            HttpResponse<byte[]> download = app.get(csvUrl, "X-Api-Key", TestServer.API_KEY);
            assertEquals(200, download.statusCode());
            assertEquals("text/csv;charset=utf-8", download.headers().firstValue("Content-Type").orElse(""));
            assertEquals("attachment; filename=\"acme-2026-11-25-2026-11-28.csv\"",
                    download.headers().firstValue("Content-Disposition").orElse(""));
            assertEquals(expectedCsv.toString(), new String(download.body(), StandardCharsets.UTF_8));
            assertTrue(dom.contains("download=\"acme-2026-11-25-2026-11-28.csv\""), dom);

            String refused = dumpDom(app.uri("/report/acme").toString() + "#key=wrong-key-123&counter=signup");
            assertTrue(refused.contains("apikey: not valid"), refused);
            assertTrue(!refused.contains("<rect class=\"bar"), refused);
        }
    }

    /**
     * Issue 18: the Download CSV link fetches the server's {@code format=csv} of the query on the page
     * (the key in a header) and saves it as the file. Chromium, driven through DevTools, clicks the link;
     * the file it saves is the server's CSV.
     */
    @Test
    void theCsvLinkDownloadsTheServersCsv() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "RATE_LIMIT", "0")) {
            app.get("/p/acme/signup?v=3");
            app.get("/p/acme/-2-1");
            String report = app.uri("/report/acme").toString() + "#key=" + TestServer.API_KEY
                    + "&counter=signup,-2-1&from=2026-11-27&to=2026-11-28";
            String clickAndRead = """
                    (async () => {
                      const pause = ms => new Promise(done => setTimeout(done, ms));
                      let a = null;
                      for (let i = 0; i < 200; i++) {
                        a = document.getElementById("csv");
                        if (a && !a.hidden && a.getAttribute("data-url")) { break; }
                        await pause(50);
                      }
                      if (a.getAttribute("href")) { return "a link before the click: " + a.href; }
                      a.click();
                      for (let i = 0; i < 200 && !a.getAttribute("href"); i++) { await pause(50); }
                      return a.download + " " + a.href.slice(0, 5) + " " + document.getElementById("error").textContent;
                    })()
                    """;
            Path downloads = Files.createDirectories(dir.resolve("downloads"));
            assertEquals("acme-2026-11-27-2026-11-28.csv blob: ",
                    HeadlessChromium.evaluate(dir, report, clickAndRead, downloads));
            Path file = downloads.resolve("acme-2026-11-27-2026-11-28.csv");
            for (int i = 0; i < 100 && !Files.exists(file); i++) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(file), "downloaded: " + java.util.Arrays.toString(downloads.toFile().list()));
            String got = Files.readString(file);
            assertEquals("counter,day,count,source\r\n"
                    + "signup,2026-11-27,0,live\r\nsignup,2026-11-28,3,live\r\n"
                    + "'-2-1,2026-11-27,0,live\r\n'-2-1,2026-11-28,1,live\r\n", got);
        }
    }

    /** Issue 16: a prefix past 100 counters was a 400 and an error on the page; now it pages. */
    @Test
    void pagePagesThroughABigPrefix() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "RATE_LIMIT", "0")) {
            for (int i = 0; i < 150; i++) {
                assertEquals(200, app.get(String.format("/p/acme/news-%03d", i)).statusCode());
            }
            String base = app.uri("/report/acme").toString() + "#key=" + TestServer.API_KEY
                    + "&prefix=news&from=2026-11-28&to=2026-11-28";
            String first = dumpDom(base);
            assertEquals(100, count(first, "<section class=\"counter\""), first);
            assertTrue(first.contains("id=\"next\" type=\"button\" data-cursor=\"news-099\""), first);
            String second = dumpDom(base + "&cursor=news-099");
            assertEquals(50, count(second, "<section class=\"counter\""), second);
            assertTrue(second.contains("data-counter=\"news-149\""), second);
            assertTrue(second.contains("id=\"next\" type=\"button\" hidden=\"\" data-cursor=\"\""), second);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
