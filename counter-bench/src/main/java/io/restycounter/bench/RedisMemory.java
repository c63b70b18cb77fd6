package io.restycounter.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.redis.RedisCounterStore;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Redis memory per counter-day: fills an empty Redis with one day of N counters through the real Redis
 * store (the flusher's batches, as the app writes them: day hash, the node's hash, the counter index, and
 * with uniques each counter's HyperLogLog) and prints {@code INFO memory} used_memory per counter-day, and
 * the keys' own {@code MEMORY USAGE} per counter-day: the counts' keys and the sketches apart.
 * The day: {@value #COUNTERS_PER_TENANT} counters per tenant, {@value #HITS} hits on each, and with uniques
 * {@value #VISITORS} distinct visitors on each. Measures memory, not speed: any machine will do.
 * Usage: java -cp counter-bench.jar io.restycounter.bench.RedisMemory REDIS_URL COUNTERS uniques|no-uniques
 */
public final class RedisMemory {

    static final int COUNTERS_PER_TENANT = 1000;
    static final int HITS = 5;
    static final int VISITORS = 3;
    /** Counters written per flush: well under MAX_PENDING_COUNTERS and MAX_PENDING_VISITORS. */
    static final int PER_FLUSH = 20_000;

    private RedisMemory() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int counters = Integer.parseInt(args[1]);
        boolean uniques = "uniques".equals(args[2]);
        LocalDate day = LocalDate.now(ZoneOffset.UTC);
        CounterConfig config = CounterConfig.builder().redisUrl(url).flushInterval(Duration.ofMinutes(1))
                .logDir(Files.createTempDirectory("redis-memory")).build();
        RedisClient client = RedisClient.create(url);
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            RedisCommands<String, String> redis = admin.sync();
            redis.flushall();
            long before = usedMemory(redis);
            try (RedisCounterStore store = RedisCounterStore.connect(config, Clock.systemUTC())) {
                for (int i = 0; i < counters; i++) {
                    CounterKey key = new CounterKey("t" + i / COUNTERS_PER_TENANT, "newsletter-2026-12-" + i);
                    store.increment(key, day, HITS);
                    for (int v = 0; uniques && v < VISITORS; v++) {
                        store.visit(key, day, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255),
                                "Mozilla/5.0 visitor " + v);
                    }
                    if ((i + 1) % PER_FLUSH == 0) {
                        store.flush();
                    }
                }
                store.flush();
                store.flush(); // deletes the last batch markers
            }
            long after = usedMemory(redis);
            long keys = redis.dbsize();
            Map<String, Long> byFamily = usageByFamily(admin);
            long sketches = byFamily.getOrDefault("rcu", 0L);
            long rest = byFamily.values().stream().mapToLong(Long::longValue).sum() - sketches;
            System.out.printf("| %,d | %s | %,d | %,d | %.0f | %.0f | %.0f |%n", counters, uniques ? "yes" : "no", keys,
                    after - before, (double) (after - before) / counters, (double) rest / counters,
                    (double) sketches / counters);
        } finally {
            client.shutdown();
        }
    }

    /** MEMORY USAGE (every element counted: SAMPLES 0) summed per key prefix before the first ':'. */
    private static Map<String, Long> usageByFamily(StatefulRedisConnection<String, String> c) throws Exception {
        RedisAsyncCommands<String, String> async = c.async();
        Map<String, Long> out = new TreeMap<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.limit(1000));
            List<RedisFuture<Long>> sizes = new ArrayList<>();
            for (String key : page.getKeys()) {
                sizes.add(async.dispatch(CommandType.MEMORY, new IntegerOutput<>(StringCodec.UTF8),
                        new CommandArgs<>(StringCodec.UTF8).add("USAGE").addKey(key).add("SAMPLES").add(0)));
            }
            for (int i = 0; i < sizes.size(); i++) {
                String key = page.getKeys().get(i);
                out.merge(key.substring(0, key.indexOf(':')), sizes.get(i).get(10, TimeUnit.SECONDS), Long::sum);
            }
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    private static long usedMemory(RedisCommands<String, String> redis) {
        for (String line : redis.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory");
    }
}
