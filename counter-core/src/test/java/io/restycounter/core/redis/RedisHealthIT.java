package io.restycounter.core.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16, item 4: the health check does not wait behind queries. */
class RedisHealthIT {

    private static RedisServer server;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.launch();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthyWhileTheQueryConnectionIsBusy() throws Exception {
        try (RedisCounterStore store = RedisCounterStore.connect(CounterConfig.from(Settings.of(Map.of(
                "REDIS_URL", server.url(), "FLUSH_INTERVAL_MS", "60000"))), Clock.systemUTC())) {
            // A query that takes seconds: everything sent after it on the same connection waits.
            var busy = ((StatefulRedisConnection<String, String>) store.queryConnectionForTest()).async()
                    .blpop(1, "rc:{acme}:nothing");
            assertTrue(store.healthy());
            busy.get();
        }
    }

    @Test
    void unhealthyWhenRedisIsDown() {
        try (RedisServer other = RedisServer.launch();
                RedisCounterStore store = RedisCounterStore.connect(CounterConfig.from(Settings.of(Map.of(
                        "REDIS_URL", other.url(), "FLUSH_INTERVAL_MS", "60000"))), Clock.systemUTC())) {
            assertTrue(store.healthy());
            other.stop();
            assertFalse(store.healthy());
        }
    }
}
