package io.restycounter.core.http;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.MutableClock;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.TenantKeys;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 16, items 4 and 6: queries past their concurrency and wrong keys are refused without a Redis call. */
class QueryGuardIT {

    private static final String API_KEY = "0123456789abcdef";
    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> admin;

    @TempDir
    Path dir;
    private MutableClock clock;
    private CounterEngine engine;
    private CounterQuery query;
    private String tenantKey;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.launch();
        client = RedisClient.create(server.url());
        admin = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        admin.close();
        client.shutdown();
        server.close();
    }

    @BeforeEach
    void start() throws Exception {
        admin.sync().flushall();
        clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));
        engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", API_KEY, "REDIS_URL", server.url()))), clock);
        query = new CounterQuery(engine);
        tenantKey = TenantKeys.newKey();
        engine.tenantKeys().add("acme", TenantKeys.sha256Hex(tenantKey));
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private CounterQuery.Answer ask(String key, String client) {
        return query.answer(new CounterQuery.Request("/acme/home", null, key, null, null, null, null, client));
    }

    private static long calls(String command) {
        for (String line : admin.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        return 0;
    }

    @Test
    void wrongKeysAreThrottledPerAddressAndCostNoRedisCall() {
        assertEquals(200, ask(tenantKey, "203.0.113.9").status());
        long loaded = calls("smembers");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(ask("wrong" + i, "198.51.100.7").status());
        }
        assertEquals(List.of(403), statuses.subList(0, QueryGuard.FAILED_KEYS_BURST).stream().distinct().toList());
        assertEquals(List.of(429), statuses.subList(QueryGuard.FAILED_KEYS_BURST, 20).stream().distinct().toList());
        assertEquals("1", ask("wrong", "198.51.100.7").headers().get("Retry-After"));
        assertEquals(403, ask("wrong", "203.0.113.9").status(), "another address has its own budget");
        assertEquals(loaded, calls("smembers"), "no Redis call for a wrong key while the digests are fresh");

        clock.advanceMillis(1000 / QueryGuard.FAILED_KEYS_PER_SECOND);
        assertEquals(403, ask("wrong", "198.51.100.7").status(), "the budget refills");
    }

    @Test
    void aRevokedKeyStopsAtOnceAndANewKeyWorksWithinSeconds() throws Exception {
        assertEquals(200, ask(tenantKey, "203.0.113.9").status());
        engine.tenantKeys().revokeAll("acme");
        assertEquals(403, ask(tenantKey, "203.0.113.9").status());
        String added = TenantKeys.newKey();
        engine.tenantKeys().add("acme", TenantKeys.sha256Hex(added));
        clock.advanceMillis(QueryGuard.KEYS_TTL_MILLIS);
        assertEquals(200, ask(added, "203.0.113.9").status());
    }

    @Test
    void aTenantKeyPastItsQueriesASecondIs429AndTheOperatorsKeyIsNot() {
        for (int i = 0; i < QueryGuard.KEY_QUERIES_BURST; i++) {
            assertEquals(200, ask(tenantKey, "203.0.113.9").status(), "query " + i + " of the burst");
        }
        CounterQuery.Answer refused = ask(tenantKey, "203.0.113.10");
        assertEquals(429, refused.status(), "per key, from any address");
        assertEquals("1", refused.headers().get("Retry-After"));
        for (int i = 0; i < 2 * QueryGuard.KEY_QUERIES_BURST; i++) {
            assertEquals(200, ask(API_KEY, "203.0.113.9").status(), "the operator's key has no such rate");
        }
        clock.advanceMillis(1000 / QueryGuard.KEY_QUERIES_PER_SECOND);
        assertEquals(200, ask(tenantKey, "203.0.113.9").status(), "the rate refills");
        assertEquals(429, ask(tenantKey, "203.0.113.9").status());
    }

    @Test
    void queriesPastTheConcurrencyOfAKeyOrTheNodeAre429() {
        List<QueryGuard.Slot> held = new ArrayList<>();
        try {
            for (int i = 0; i < QueryGuard.KEY_QUERIES; i++) {
                held.add(query.guard().enter(tenantKey, false, clock.millis()));
            }
            CounterQuery.Answer refused = ask(tenantKey, "203.0.113.9");
            assertEquals(429, refused.status());
            assertEquals("1", refused.headers().get("Retry-After"));
            assertEquals(200, ask(API_KEY, "203.0.113.9").status(), "another key still reads");
            for (int i = QueryGuard.KEY_QUERIES; i < QueryGuard.NODE_QUERIES; i++) {
                held.add(query.guard().enter("other" + i, false, clock.millis()));
            }
            assertEquals(429, ask(API_KEY, "203.0.113.9").status(), "the node is full");
        } finally {
            held.forEach(QueryGuard.Slot::close);
        }
        assertEquals(200, ask(tenantKey, "203.0.113.9").status(), "slots come back");
    }
}
