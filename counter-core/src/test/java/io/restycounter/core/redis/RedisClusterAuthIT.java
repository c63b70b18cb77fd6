package io.restycounter.core.redis;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisCluster;
import io.restycounter.core.Settings;
import io.restycounter.core.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A password-protected Redis Cluster: the store authenticates with every node it is sent to. */
class RedisClusterAuthIT {

    private static final String PASSWORD = "cluster secret";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);
    private static final LocalDate DAY = LocalDate.parse("2026-11-29");
    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.launchWithPassword(PASSWORD);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static RedisCounterStore store(String url) {
        return RedisCounterStore.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", url,
                "FLUSH_INTERVAL_MS", "60000"))), CLOCK);
    }

    @Test
    void countsOfManyTenantsReachTheirPrimariesWithTheRightPassword() throws Exception {
        try (RedisCounterStore store = store(cluster.url())) {
            for (int t = 0; t < 20; t++) {
                store.increment(new CounterKey("tenant" + t, "c"), DAY, t + 1);
            }
            store.flush();
            for (int t = 0; t < 20; t++) {
                String key = "rc:{tenant" + t + "}:20261129";
                assertEquals(String.valueOf(t + 1), cluster.cli(cluster.primaryFor(key), "HGET", key, "c"), key);
            }
        }
    }

    @Test
    void aWrongPasswordKeepsTheDeltasAndSaysSo() {
        String wrong = cluster.url().replace("cluster%20secret", "nope");
        try (RedisCounterStore store = store(wrong)) {
            store.increment(new CounterKey("acme", "c"), DAY, 1);
            assertThrows(StoreException.class, store::flush);
            assertFalse(store.healthy());
        }
    }
}
