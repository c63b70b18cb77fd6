package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.MutableClock;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 5: badges from the real app, drawn by a real headless Chromium. A page inlines each
 * badge and writes down, for the label and the value, the text the browser laid out, its box and the
 * box of its rectangle, and how wide the text is without the {@code textLength} the badge gives it.
 * Every text must be there and inside its rectangle; for text in the width table, the browser's own
 * width must be close to the one the badge measured, so the boxes are neither cramped nor loose.
 */
class BadgeRenderIT {

    @TempDir
    Path dir;

    private static final String MEASURE = """
            <script>
            var out = [];
            document.querySelectorAll("div.badge").forEach(function (d) {
              var svg = d.querySelector("svg");
              ["label", "value"].forEach(function (cls) {
                var t = svg.querySelector("text." + cls), r = svg.querySelector("rect." + cls);
                var tb = t.getBBox(), rb = r.getBBox();
                var natural = t.cloneNode(true);
                natural.removeAttribute("textLength");
                natural.removeAttribute("lengthAdjust");
                natural.removeAttribute("class");
                t.parentNode.appendChild(natural);
                var free = natural.getComputedTextLength();
                natural.remove();
                out.push([d.getAttribute("data-name"), cls, encodeURIComponent(t.textContent),
                  t.getComputedTextLength().toFixed(2), tb.x.toFixed(2), (tb.x + tb.width).toFixed(2),
                  rb.x.toFixed(2), (rb.x + rb.width).toFixed(2), t.getAttribute("textLength"), free.toFixed(2),
                  svg.getAttribute("width")].join(" "));
              });
            });
            var pre = document.createElement("pre");
            pre.id = "measured";
            pre.textContent = out.join("\\n");
            document.body.appendChild(pre);
            </script>
            """;

    @Test
    void everyBadgeTextIsDrawnInsideItsBox() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        Map<String, String[]> badges = new LinkedHashMap<>();
        badges.put("plain", new String[] {"/b/acme/readme.svg", "views", "1"});
        badges.put("wide", new String[] {"/b/acme/readme.svg?v=999&label=WWW%20MMM%20%40%40%40&style=plastic",
            "WWW MMM @@@", "1000"});
        badges.put("narrow", new String[] {"/b/acme/readme.svg?label=iiii%20llll%20.%3A&style=flat-square",
            "iiii llll .:", "1001"});
        badges.put("markup", new String[] {"/b/acme/readme.svg?label=%3Cb%3E%26%22x%22", "<b>&\"x\"", "1002"});
        badges.put("latin", new String[] {"/b/acme/readme.svg?label=%C3%A9t%C3%A9%20%C3%85%C5%81%C5%93&show=total",
            "été ÅŁœ", "1003"});
        badges.put("cjk", new String[] {"/b/acme/readme.svg?label=%E8%A8%AA%E5%95%8F%E8%80%85%E6%95%B0",
            "訪問者数", "1004"});
        badges.put("refused", new String[] {"/b/acme/readme.svg?style=3d&label=stars", "stars", "invalid"});
        StringBuilder page = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
        try (TestServer app = TestServer.start(dir.resolve("logs"), clock, "RATE_LIMIT", "0")) {
            for (Map.Entry<String, String[]> b : badges.entrySet()) {
                HttpResponse<byte[]> r = app.get(b.getValue()[0]);
                assertEquals(b.getKey().equals("refused") ? 400 : 200, r.statusCode(), b.getKey());
                page.append("<div class=\"badge\" data-name=\"").append(b.getKey()).append("\">")
                        .append(new String(r.body(), StandardCharsets.UTF_8)).append("</div>");
            }
        }
        page.append(MEASURE).append("</body></html>");
        Path html = dir.resolve("badges.html");
        Files.writeString(html, page);
        String dom = HeadlessChromium.dumpDom(dir, html.toUri().toString());
        Matcher pre = Pattern.compile("<pre id=\"measured\">([^<]*)</pre>").matcher(dom);
        assertTrue(pre.find(), dom);

        List<String> seen = new ArrayList<>();
        for (String line : pre.group(1).split("\n")) {
            String[] f = line.split(" ");
            String name = f[0];
            String cls = f[1];
            String text = java.net.URLDecoder.decode(f[2], StandardCharsets.UTF_8);
            double computed = Double.parseDouble(f[3]);
            double textLeft = Double.parseDouble(f[4]);
            double textRight = Double.parseDouble(f[5]);
            double boxLeft = Double.parseDouble(f[6]);
            double boxRight = Double.parseDouble(f[7]);
            double given = Double.parseDouble(f[8]);
            double free = Double.parseDouble(f[9]);
            double svgWidth = Double.parseDouble(f[10]);
            String[] expected = badges.get(name);
            assertEquals(cls.equals("label") ? expected[1] : expected[2], text, line);
            assertTrue(computed > 0, "drawn: " + line);
            assertEquals(given, computed, 0.5, "the browser fits the text into the width given: " + line);
            assertTrue(textLeft >= boxLeft + 1 && textRight <= boxRight - 1, "inside its box, with room: " + line);
            assertTrue(boxRight <= svgWidth, "inside the badge: " + line);
            if (!name.equals("cjk")) {
                assertEquals(free, given, Math.max(1.5, free * 0.06),
                        "the table agrees with the font the browser draws with: " + line);
            }
            seen.add(name + "." + cls);
        }
        assertEquals(badges.size() * 2, seen.size(), String.join(",", seen));
    }
}
