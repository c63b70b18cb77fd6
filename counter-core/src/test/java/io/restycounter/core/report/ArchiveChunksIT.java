package io.restycounter.core.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.redis.RedisCounterArchive;
import io.restycounter.core.redis.RedisLink;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the nightly archive of a big tenant never holds Redis for long. A day of 20,000 counters, and
 * 40,000 hour fields, goes to Redis in script calls of at most 1,000 fields each, with no command that reads
 * a whole hash ({@code HKEYS}, {@code HGETALL}); counted by {@code INFO commandstats}, not timed.
 */
class ArchiveChunksIT {

    private static final LocalDate DAY = LocalDate.parse("2026-11-30");

    @Test
    void aDayOfTwentyThousandCountersIsWrittenInScriptCallsOfAtMostAThousandFields() throws Exception {
        try (RedisServer redis = RedisServer.launch();
                RedisCounterArchive archive = new RedisCounterArchive(
                        RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", redis.url())))), true)) {
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> admin = client.connect()) {
                Map<String, Long> totals = new HashMap<>();
                Map<String, long[]> hours = new HashMap<>();
                for (int c = 0; c < 20_000; c++) {
                    String name = String.format("c%05d", c);
                    totals.put(name, c + 1L);
                    long[] h = new long[25];
                    h[c % 24] = c + 1L;
                    h[(c + 7) % 24] += 1;
                    hours.put(name, h);
                }
                admin.sync().configResetstat();
                archive.replaceShare("n1", "big", DAY, totals);
                archive.replaceHourShare("n1", "big", DAY, hours);
                long scripts = calls(admin, "eval") + calls(admin, "evalsha");
                assertTrue(scripts >= 20 + 40, "20,000 totals and 40,000 hour fields in calls of at most 1,000: " + scripts);
                assertEquals(0, calls(admin, "hkeys") + calls(admin, "hgetall"), "no command reads a whole hash");

                assertEquals(12_346L, archive.range(new CounterKey("big", "c12345"), DAY, DAY).get(DAY));
                assertArrayEquals(hours.get("c12345"), archive.hours(new CounterKey("big", "c12345"), DAY, DAY).get(DAY));
            } finally {
                client.shutdown();
            }
        }
    }

    private static long calls(StatefulRedisConnection<String, String> admin, String command) {
        for (String line : admin.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        return 0;
    }
}
