package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.embedded.FileCounterArchive;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code import --tenant acme FILE}: what it prints and exits with, into ARCHIVE_DIR and into a real Redis. */
class ImportCommandIT {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(Settings settings, String tenant, String file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ImportCommand.run(settings, tenant, file, CLOCK, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "redis"})
    void importsOnceNamesABadRowAndExitsAsDocumented(String store) throws Exception {
        RedisServer redis = store.equals("redis") ? RedisServer.launch() : null;
        try {
            Map<String, String> m = new HashMap<>(Map.of("LOG_DIR", dir.resolve("logs").toString(),
                    "ARCHIVE_DIR", dir.resolve("archive").toString()));
            if (redis != null) {
                m.put("REDIS_URL", redis.url());
            }
            Settings settings = Settings.of(m);
            Path csv = Files.writeString(dir.resolve("history.csv"), "counter,day,count\nsignup,2026-10-01,40\nnews,2026-11-29,2\n");

            Run first = run(settings, "acme", csv.toString());
            assertEquals(0, first.code(), first.err());
            assertTrue(first.out().endsWith(": 2 rows for acme: 2 added, 0 replaced, 0 unchanged\n"), first.out());
            Run again = run(settings, "acme", csv.toString());
            assertTrue(again.out().endsWith(": 2 rows for acme: 0 added, 0 replaced, 2 unchanged\n"), again.out());
            if (redis == null) {
                LocalDate day = LocalDate.of(2026, 10, 1);
                assertEquals(40L, new FileCounterArchive(dir.resolve("archive"))
                        .range(new CounterKey("acme", "signup"), day, day).get(day));
            }

            Path bad = Files.writeString(dir.resolve("bad.csv"), "signup,2026-10-02,1\nsignup,2026-10-03,lots\n");
            Run refused = run(settings, "acme", bad.toString());
            assertEquals(2, refused.code());
            assertEquals("import: " + bad + " refused, nothing written:\nimport: line 2: count: expected a whole number"
                    + " from 0 to 1000000000000, got \"lots\"\n", refused.err());
            assertEquals(2, run(settings, "Acme", csv.toString()).code());
            if (redis == null) {
                Path tenants = Files.writeString(dir.resolve("tenants.toml"), "[acme]\ncounters = [\"news\"]\n");
                m.put("TENANTS", tenants.toString());
                Run ruled = run(Settings.of(m), "acme", csv.toString());
                assertEquals(2, ruled.code());
                assertTrue(ruled.err().contains("import: line 2: counter: \"signup\" is not among the tenant's counters rules"),
                        ruled.err());
            }
            Run missing = run(settings, "acme", dir.resolve("nope.csv").toString());
            assertEquals(2, missing.code());
            assertTrue(missing.err().startsWith("import: FILE: no such file: "), missing.err());
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }
}
