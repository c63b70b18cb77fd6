package io.restycounter.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HitLogReaderTest {

    @TempDir
    Path dir;

    @Test
    void countsCountedHitsAndSkipsWhatIsNotAHit() throws IOException {
        Path file = dir.resolve("2026-11-29-access.log");
        Files.writeString(file, String.join("\n",
                "{\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":2,\"status\":200}",
                "{\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1,\"status\":302}",
                "{\"tenant\":\"acme\",\"counter\":\"b\",\"inc\":1,\"status\":200,\"bot\":true}",
                "{\"tenant\":\"acme\",\"counter\":\"b\",\"inc\":1,\"status\":429}",
                "",
                "not json",
                "{\"tenant\":\"ACME\",\"counter\":\"a\",\"inc\":1,\"status\":200}",
                "{\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":0,\"status\":200}",
                "{\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1,\"status\":200} {\"tenant\":\"acme\"}",
                "{\"tenant\":\"acme\",\"counter\":\"c\",\"inc\":5,\"status\":200,\"geo\":{\"x\":[1,2]}}",
                "{\"tenant\":\"acme\",\"counter\":\"a\",\"in"));
        Map<String, Long> counts = new HashMap<>();
        HitLogReader.Result r = HitLogReader.read(file, (k, inc) -> counts.merge(k.counter(), inc, Long::sum));
        assertEquals(Map.of("a", 3L, "c", 5L), counts);
        assertEquals(3, r.counted());
        assertEquals(5, r.skipped());
    }

    /** Aggregation, crash replay and the embedded rebuild all read through here: a private line still counts. */
    @Test
    void aPrivateLineWithoutAddressOrUserAgentAndAnEscapedSeparatorCount() throws IOException {
        Path file = dir.resolve("2026-11-29-n1-access.log");
        Files.writeString(file, String.join("\n",
                "{\"ts\":\"2026-11-29T10:00:00.000Z\",\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":1,\"status\":200,"
                        + "\"method\":\"GET\",\"uri\":\"/p/acme/a\",\"host\":\"h\",\"scheme\":\"https\",\"private\":true,\"node\":\"n1\"}",
                "{\"tenant\":\"acme\",\"counter\":\"a\",\"inc\":2,\"status\":200,\"ip\":\"0123456789abcdef0123456789abcdef\","
                        + "\"ua\":\"A\\u2028B\"}",
                ""));
        Map<String, Long> counts = new HashMap<>();
        HitLogReader.Result r = HitLogReader.read(file, (k, inc) -> counts.merge(k.counter(), inc, Long::sum));
        assertEquals(Map.of("a", 3L), counts);
        assertEquals(0, r.skipped());
    }
}
