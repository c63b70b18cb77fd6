package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Geo;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.log.DailyFileHitLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Athena table in docs/athena.md has exactly the columns the log writer emits, in its order. */
class AthenaDdlTest {

    private static final Path DOC = Path.of(System.getProperty("basedir", ".")).resolve("../docs/athena.md");

    @TempDir
    Path dir;

    /** A full line (every field a public hit can have) and a private line: every key either emits, in order. */
    @Test
    void ddlColumnsAreTheKeysOfAFullLogLineAndAPrivateOne() throws IOException {
        List<List<String>> lines = emittedKeys();
        List<String> all = new ArrayList<>(lines.get(0));
        String before = null;
        for (String key : lines.get(1)) {
            if (!all.contains(key)) {
                all.add(before == null ? 0 : all.indexOf(before) + 1, key);
            }
            before = key;
        }
        assertTrue(all.contains("private"), all.toString());
        assertEquals(all, ddlColumns());
    }

    @Test
    void ddlUsesJsonSerDeAndProjectsTheShipperPartitions() throws IOException {
        String doc = Files.readString(DOC);
        assertTrue(doc.contains("'org.openx.data.jsonserde.JsonSerDe'"), "JSON SerDe");
        assertTrue(doc.contains("PARTITIONED BY (`year` string, `month` string, `day` string)"), "partitions");
        assertTrue(doc.contains("/year=${year}/month=${month}/day=${day}/'"), "location template");
    }

    private List<List<String>> emittedKeys() throws IOException {
        GeoIp everywhere = address -> Optional.of(new Geo("DE", "BE", "Berlin", "10115", 52.52, 13.405));
        long millis = Instant.parse("2026-11-28T12:00:00Z").toEpochMilli();
        DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, "node-1", everywhere, 16);
        log.start();
        try {
            assertTrue(log.append(new Hit(millis, new CounterKey("acme", "home"), 2, 200, "GET", "/p/acme/home?v=2",
                    "203.0.113.7", "198.51.100.1", "counter.example", "https", "https://example.com/", "Googlebot/2.1", true)));
            assertTrue(log.append(new Hit(millis, new CounterKey("acme", "home"), 1, 200, "GET", "/p/acme/home",
                    null, null, "counter.example", "https", null, null, true, true)));
            log.flush();
        } finally {
            log.close();
        }
        List<String> lines = Files.readAllLines(log.fileFor(LocalDate.of(2026, 11, 28)), StandardCharsets.UTF_8);
        assertEquals(2, lines.size());
        List<List<String>> out = new ArrayList<>();
        for (String line : lines) {
            List<String> keys = new ArrayList<>();
            try (JsonParser p = new JsonFactory().createParser(line)) {
                assertEquals(JsonToken.START_OBJECT, p.nextToken());
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    keys.add(p.currentName());
                    p.nextToken();
                    assertTrue(p.currentToken().isScalarValue(), "flat object");
                }
            }
            out.add(keys);
        }
        return out;
    }

    /** The backticked names between {@code CREATE EXTERNAL TABLE ... (} and its closing {@code )}. */
    private static List<String> ddlColumns() throws IOException {
        String doc = Files.readString(DOC);
        int create = doc.indexOf("CREATE EXTERNAL TABLE");
        assertTrue(create >= 0, "docs/athena.md has a CREATE EXTERNAL TABLE");
        int open = doc.indexOf('(', create);
        int close = doc.indexOf("\n)", open);
        List<String> columns = new ArrayList<>();
        for (String line : doc.substring(open + 1, close).split("\n")) {
            String t = line.trim();
            if (t.isEmpty()) {
                continue;
            }
            assertTrue(t.startsWith("`"), "column line: " + t);
            columns.add(t.substring(1, t.indexOf('`', 1)));
        }
        return columns;
    }
}
