package io.restycounter.core.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Fate;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.redis.RedisCounterArchive;
import io.restycounter.core.redis.RedisLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, item 2: a day's archived fates are the sum of every node's fates share and the {@code +live}
 * share, and writing a share again replaces it, on disk and in a real redis-server.
 */
class ArchiveFatesIT {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 29);
    private static final CounterKey HOME = new CounterKey("acme", "home");

    static RedisServer redis;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.launch();
        dir = Files.createTempDirectory("archive-fates-it");
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static long[] fates(Object... fateAndCount) {
        long[] counts = new long[Fate.COUNT];
        for (int i = 0; i < fateAndCount.length; i += 2) {
            counts[((Fate) fateAndCount[i]).ordinal()] = ((Number) fateAndCount[i + 1]).longValue();
        }
        return counts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "redis"})
    void aDaysFatesAreTheSumOfItsSharesAndAShareWrittenAgainReplacesIt(String kind) throws Exception {
        try (CounterArchive a = kind.equals("file") ? new FileCounterArchive(dir.resolve("sum"))
                : new RedisCounterArchive(RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", redis.url())))), true)) {
            a.replaceFates("n1", "acme", DAY, Map.of("home", fates(Fate.BOT, 2)));
            a.replaceFates("n2", "acme", DAY, Map.of("home", fates(Fate.BOT, 1, Fate.PRIVATE, 1), "news", fates(Fate.BOT, 4)));
            a.replaceFates(CounterArchive.LIVE_FATES_NODE, "acme", DAY, Map.of("home", fates(Fate.REFUSED, 3)));
            assertArrayEquals(fates(Fate.BOT, 3, Fate.PRIVATE, 1, Fate.REFUSED, 3), a.fates(HOME, DAY, DAY).get(DAY));

            a.replaceFates("n1", "acme", DAY, Map.of("home", fates(Fate.BOT, 2)));
            assertArrayEquals(fates(Fate.BOT, 3, Fate.PRIVATE, 1, Fate.REFUSED, 3), a.fates(HOME, DAY, DAY).get(DAY),
                    "the same share again changes nothing");
            a.replaceFates("n2", "acme", DAY, Map.of());
            assertArrayEquals(fates(Fate.BOT, 2, Fate.REFUSED, 3), a.fates(HOME, DAY.minusDays(3), DAY.plusDays(1)).get(DAY));
            assertEquals(1, a.fates(HOME, DAY.minusDays(3), DAY.plusDays(1)).size(), "days without fates are left out");
            assertTrue(a.fates(new CounterKey("acme", "news"), DAY, DAY).isEmpty(), "n2's news went with its share");
            assertEquals(0L, a.range(HOME, DAY, DAY).get(DAY), "fates are no counts");
        }
    }
}
