package io.restycounter.core.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.RedisCluster;
import io.restycounter.core.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RedisCounterStore against a real 3-primary, 3-replica Redis Cluster. */
class RedisClusterStoreIT {

    private static final Instant NOW = Instant.parse("2026-11-29T10:15:30Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 29);

    private RedisCluster cluster;
    private final List<RedisCounterStore> stores = new ArrayList<>();

    @BeforeEach
    void startCluster() {
        cluster = RedisCluster.launch();
    }

    @AfterEach
    void stop() {
        stores.forEach(RedisCounterStore::close);
        cluster.close();
    }

    private RedisCounterStore store(String... settings) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        RedisCounterStore store = RedisCounterStore.connect(CounterConfig.from(Settings.of(values)), CLOCK);
        stores.add(store);
        return store;
    }

    /** Every day hash in the cluster, read with a client of its own: key to (counter to count). */
    private Map<String, Map<String, String>> dayHashes() {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (int primary : cluster.primaries()) {
            String keys = cluster.cli(primary, "KEYS", "rc:{*}:20[0-9][0-9][0-9][0-9][0-9][0-9]");
            for (String key : keys.split("\n")) {
                if (key.isBlank()) {
                    continue;
                }
                assertEquals(primary, cluster.primaryFor(key), key + " is on the primary that serves its slot");
                assertEquals(null, out.put(key, Map.of()), key + " is held by one primary only");
            }
        }
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://127.0.0.1:" + cluster.primaries().get(0)));
        try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
            for (String key : new ArrayList<>(out.keySet())) {
                out.put(key, c.sync().hgetall(key));
            }
        } finally {
            client.shutdown();
        }
        return out;
    }

    /** Moves one slot, with its keys, from its primary to another, as a resharding does. */
    private void migrateSlot(int slot, int from, int to) {
        String fromId = cluster.cli(from, "CLUSTER", "MYID");
        String toId = cluster.cli(to, "CLUSTER", "MYID");
        cluster.cli(to, "CLUSTER", "SETSLOT", String.valueOf(slot), "IMPORTING", fromId);
        cluster.cli(from, "CLUSTER", "SETSLOT", String.valueOf(slot), "MIGRATING", toId);
        for (String key : cluster.cli(from, "CLUSTER", "GETKEYSINSLOT", String.valueOf(slot), "1000").split("\\s+")) {
            if (!key.isBlank()) {
                cluster.cli(from, "MIGRATE", "127.0.0.1", String.valueOf(to), key, "0", "5000");
            }
        }
        for (int primary : cluster.primaries()) {
            cluster.cli(primary, "CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", toId);
        }
    }

    @Test
    void aSlotMovedToAnotherPrimaryIsFollowedWithNothingLostOrDoubled() throws Exception {
        RedisCounterStore store = store("REDIS_URL", cluster.url(), "FLUSH_INTERVAL_MS", "60000");
        CounterKey key = new CounterKey("moving", "c");
        String hash = BatchProtocol.dayKey("moving", TODAY);
        store.increment(key, TODAY, 3);
        store.flush();
        int from = cluster.primaryFor(hash);
        int to = cluster.primaries().stream().filter(p -> p != from).findFirst().orElseThrow();
        migrateSlot(SlotHash.getSlot(hash), from, to);
        assertEquals(to, cluster.primaryFor(hash), "the slot now lives on another primary");
        store.increment(key, TODAY, 4);
        Flushing.untilConfirmed(store, Duration.ofSeconds(30), "the store never followed the moved slot");
        assertEquals("7", cluster.cli(to, "HGET", hash, "c"), "3 moved with the key, 4 sent after the move");
        assertEquals(7, store.get(key, TODAY));
    }

    /**
     * A HyperLogLog of a few ids is exact unless two of them share one of its 16,384 registers, which then
     * counts them once: across this test's 1,200 small sets (random salts) that happens in many runs, so a
     * set may read one less than it holds, never more (the CI run of 2026-12-01 saw a week read 3 for 4).
     */
    private static void assertAbout(long expected, long actual, String what) {
        assertTrue(actual == expected || actual == expected - 1, what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void incrementsOfManyTenantsLandInTheirTenantsSlotAndSumExactly() throws Exception {
        RedisCounterStore store = store("REDIS_URL", cluster.seedUrl(), "REDIS_CLUSTER", "true",
                "FLUSH_INTERVAL_MS", "60000", "UNIQUES_PERIOD", "week");
        Map<String, Long> expected = new HashMap<>();
        Map<String, long[]> hours = new HashMap<>();
        Map<String, Map<LocalDate, Set<String>>> visitors = new HashMap<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 5_000; i++) {
            String tenant = "t" + random.nextInt(300);
            String counter = "c" + random.nextInt(4);
            LocalDate day = random.nextInt(4) == 0 ? TODAY.minusDays(1) : TODAY;
            long by = 1 + random.nextInt(5);
            int hour = random.nextInt(25);
            assertTrue(store.increment(new CounterKey(tenant, counter), day, hour, by));
            expected.merge(BatchProtocol.dayKey(tenant, day) + " " + counter, by, Long::sum);
            hours.computeIfAbsent(tenant + " " + counter + " " + day, k -> new long[25])[hour] += by;
            String visitor = "10.0.0." + random.nextInt(6);
            assertTrue(store.visit(new CounterKey(tenant, counter), day, visitor, "ua"));
            visitors.computeIfAbsent(tenant + " " + counter, k -> new HashMap<>())
                    .computeIfAbsent(day, d -> new HashSet<>()).add(visitor);
        }
        store.flush();
        assertEquals(0, store.pendingHits());
        for (Map.Entry<String, Map<LocalDate, Set<String>>> e : visitors.entrySet()) {
            String[] tc = e.getKey().split(" ");
            io.restycounter.core.UniqueVisitors u = store.uniques(new CounterKey(tc[0], tc[1]), TODAY.minusDays(1), TODAY);
            Set<String> week = new HashSet<>();
            for (LocalDate d : List.of(TODAY.minusDays(1), TODAY)) {
                Set<String> seen = e.getValue().getOrDefault(d, Set.of());
                assertAbout(seen.size(), u.days().get(d), "uniques in the tenant's slot: " + e.getKey() + " " + d);
                week.addAll(seen);
            }
            assertAbout(week.size(), u.total(), "Saturday and Sunday of one week: one PFCOUNT of both sketches");
        }

        for (Map.Entry<String, long[]> e : hours.entrySet()) {
            String[] tcd = e.getKey().split(" ");
            LocalDate day = LocalDate.parse(tcd[2]);
            assertArrayEquals(e.getValue(), store.hours(new CounterKey(tcd[0], tcd[1]), day, day).get(day),
                    "hours in the tenant's slot, from the same batch: " + e.getKey());
        }

        Map<String, Map<String, String>> hashes = dayHashes();
        Map<String, Long> actual = new HashMap<>();
        Set<Integer> slotsOfTags = new HashSet<>();
        hashes.forEach((key, fields) -> {
            String tenant = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            assertEquals(SlotHash.getSlot("{" + tenant + "}"), SlotHash.getSlot(key), "the hash tag picks the slot");
            slotsOfTags.add(SlotHash.getSlot(key));
            fields.forEach((counter, count) -> actual.put(key + " " + counter, Long.parseLong(count)));
        });
        assertEquals(expected, actual);
        Set<Integer> holders = new HashSet<>();
        for (String key : hashes.keySet()) {
            holders.add(cluster.primaryFor(key));
        }
        assertEquals(3, holders.size(), "300 tenants spread over all three primaries");
        assertTrue(slotsOfTags.size() > 250, "tenants land in many slots: " + slotsOfTags.size());

        assertEquals(expected.get(BatchProtocol.dayKey("t7", TODAY) + " c1") == null ? 0
                : expected.get(BatchProtocol.dayKey("t7", TODAY) + " c1"),
                store.get(new CounterKey("t7", "c1"), TODAY), "a read goes to the tenant's slot too");
    }

    @Test
    void aPrimaryKilledUnderLoadLosesNothingAndDoublesNothing() throws Exception {
        RedisCounterStore store = store("REDIS_URL", cluster.url(), "FLUSH_INTERVAL_MS", "50");
        ConcurrentHashMap<String, AtomicLong> counted = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Thread t = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    String tenant = "t" + random.nextInt(60);
                    String counter = "c" + random.nextInt(3);
                    if (store.increment(new CounterKey(tenant, counter), TODAY, 1)) {
                        counted.computeIfAbsent(tenant + " " + counter, k -> new AtomicLong()).incrementAndGet();
                    }
                    if (random.nextInt(64) == 0) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "writer-" + w);
            t.start();
            writers.add(t);
        }
        Thread.sleep(1500);
        int victim = cluster.primaryFor(BatchProtocol.dayKey("t1", TODAY));
        int promoted = cluster.killPrimary(victim);
        assertTrue(cluster.primaries().contains(promoted), "the replica took over");
        Thread.sleep(3000);
        stop.set(true);
        for (Thread t : writers) {
            t.join();
        }
        Flushing.untilConfirmed(store, Duration.ofSeconds(60), "the store never reached the cluster again");

        Map<String, Long> expected = new HashMap<>();
        counted.forEach((k, v) -> expected.put(k, v.get()));
        Map<String, Long> actual = new HashMap<>();
        dayHashes().forEach((key, fields) -> {
            String tenant = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            fields.forEach((counter, count) -> actual.put(tenant + " " + counter, Long.parseLong(count)));
        });
        long total = expected.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(total > 10_000, "the load ran: " + total);
        assertEquals(expected, actual, "every increment exactly once, across the failover");
        assertEquals(expected.get("t1 c0"), store.get(new CounterKey("t1", "c0"), TODAY));
    }

    /**
     * Issue 16: a primary killed under load stalled every tenant for seconds, because the flusher retried
     * the dead slot's batch before it built any other. A tenant on a live slot must keep reaching Redis, as
     * another node's reads see, throughout the failover; at the end nothing is lost or doubled.
     */
    @Test
    void aKilledPrimaryHoldsBackOnlyTheTenantsOfItsSlots() throws Exception {
        for (int port : cluster.ports()) {
            // Redis's default refuses every slot while one is down: no client could keep the others going.
            cluster.cli(port, "CONFIG", "SET", "cluster-require-full-coverage", "no");
        }
        RedisCounterStore store = store("REDIS_URL", cluster.url(), "FLUSH_INTERVAL_MS", "50");
        RedisCounterStore otherNode = store("REDIS_URL", cluster.url());
        int victim = cluster.primaryFor(BatchProtocol.dayKey("t1", TODAY));
        String live = null;
        for (int i = 2; i < 60 && live == null; i++) {
            if (cluster.primaryFor(BatchProtocol.dayKey("t" + i, TODAY)) != victim) {
                live = "t" + i;
            }
        }
        CounterKey watched = new CounterKey(live, "c0");
        ConcurrentHashMap<String, AtomicLong> counted = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Thread t = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    CounterKey key = random.nextInt(8) == 0 ? watched
                            : new CounterKey("t" + random.nextInt(60), "c" + random.nextInt(3));
                    if (store.increment(key, TODAY, 1)) {
                        counted.computeIfAbsent(key.tenant() + " " + key.counter(), k -> new AtomicLong()).incrementAndGet();
                    }
                    if (random.nextInt(64) == 0) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "writer-" + w);
            t.start();
            writers.add(t);
        }
        Thread.sleep(1000);
        Thread killer = new Thread(() -> cluster.killPrimary(victim), "killer");
        killer.start();
        long start = System.nanoTime();
        long seen = otherNode.get(watched, TODAY);
        long lastRise = start;
        long longestStall = 0;
        long until = start + TimeUnit.SECONDS.toNanos(4);
        long bound = start + TimeUnit.SECONDS.toNanos(60);
        while ((killer.isAlive() || System.nanoTime() < until) && System.nanoTime() < bound) {
            Thread.sleep(100);
            long now = otherNode.get(watched, TODAY);
            if (now > seen) {
                seen = now;
                lastRise = System.nanoTime();
            }
            longestStall = Math.max(longestStall, System.nanoTime() - lastRise);
        }
        killer.join();
        stop.set(true);
        for (Thread t : writers) {
            t.join();
        }
        assertTrue(longestStall < TimeUnit.SECONDS.toNanos(1), "the other node saw " + live + " (on a live slot) stall for "
                + longestStall / 1_000_000 + " ms during the failover of another slot");
        Flushing.untilConfirmed(store, Duration.ofSeconds(60), "the store never reached the cluster again");

        Map<String, Long> expected = new HashMap<>();
        counted.forEach((k, v) -> expected.put(k, v.get()));
        Map<String, Long> actual = new HashMap<>();
        dayHashes().forEach((key, fields) -> {
            String tenant = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            fields.forEach((counter, count) -> actual.put(tenant + " " + counter, Long.parseLong(count)));
        });
        assertTrue(expected.containsKey("t1 c0") || expected.containsKey("t1 c1"), "the dead slot's tenant was counted");
        assertEquals(expected, actual, "every increment exactly once, across the failover");
    }
}
