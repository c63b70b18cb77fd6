package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.core.tenant.TenantSettings;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry in a real Redis: what the tenant command writes, another node's registry reads after one GET. */
class RedisTenantSourceIT {

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> redis;

    @BeforeAll
    static void start() {
        server = RedisServer.launch();
        client = RedisClient.create(server.url());
        redis = client.connect();
    }

    @AfterAll
    static void stop() {
        redis.close();
        client.shutdown();
        server.close();
    }

    private static RedisLink link() {
        return RedisLink.connect(CounterConfig.from(Settings.of(Map.of("REDIS_URL", server.url()))));
    }

    @Test
    void aChangeByOneProcessReachesAnotherNodesRegistryThroughTheVersion() throws Exception {
        redis.sync().flushall();
        try (RedisLink nodeLink = link(); RedisLink commandLink = link();
                TenantRegistry node = TenantRegistry.start(new RedisTenantSource(nodeLink), false, null, true)) {
            RedisTenantSource command = new RedisTenantSource(commandLink);
            assertNull(node.find("acme"));
            command.update("acme", true, t -> t.with("max-hits-per-second", "9").with("counters", List.of("a", "b-*"))
                    .with("keys", List.of("c".repeat(64))));
            assertEquals(Map.of("max-hits-per-second", "9", "counters", "a,b-*"), redis.sync().hgetall("rct:{acme}"));
            assertEquals(Set.of("c".repeat(64)), redis.sync().smembers("rck:{acme}"), "keys where TENANT_KEYS kept them");
            assertEquals(Set.of("acme"), redis.sync().smembers("rct:tenants"));
            assertNull(node.find("acme"), "a node reads only when it polls");
            assertTrue(node.reloadIfChanged());
            TenantSettings acme = node.find("acme");
            assertEquals(9, acme.maxHitsPerSecond());
            assertEquals(Set.of("c".repeat(64)), acme.keyDigests());
            assertFalse(node.reloadIfChanged(), "nothing changed: one GET, no reload");

            command.update("acme", false, t -> t.with("max-hits-per-second", "").with("keys", null));
            assertTrue(node.reloadIfChanged());
            assertNull(node.find("acme").maxHitsPerSecond());
            assertEquals(0, redis.sync().exists("rck:{acme}"));
            assertEquals(Map.of("counters", "a,b-*"), redis.sync().hgetall("rct:{acme}"));

            assertTrue(command.remove("acme"));
            assertTrue(node.reloadIfChanged());
            assertNull(node.find("acme"));
            assertEquals(0, redis.sync().exists("rct:{acme}"));
        }
    }

    @Test
    void aBadValueWrittenByHandIsReportedWithItsKeyAndTheLastGoodTenantsStay() throws Exception {
        redis.sync().flushall();
        try (RedisLink nodeLink = link();
                TenantRegistry node = TenantRegistry.start(new RedisTenantSource(nodeLink), true, null, true)) {
            new RedisTenantSource(nodeLink).update("acme", true, t -> t);
            node.reloadIfChanged();
            redis.sync().hset("rct:{acme}", "privacy", "loose");
            redis.sync().incr("rct:version");
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(io.restycounter.core.StoreException.class,
                    node::reloadIfChanged);
            assertTrue(e.getMessage().contains("rct:{acme}: tenant acme: privacy: expected standard or respect-signals"),
                    e.getMessage());
            assertEquals(Set.of("acme"), node.tenants().keySet());
        }
    }
}
