package io.restycounter.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.redis.RedisCounterStore;
import java.nio.file.Files;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How many commands Redis runs per hit (those inside scripts included), from an {@code INFO commandstats}
 * diff around a paced load through the real Redis store: hits on {@value #COUNTERS} counters of tenant
 * {@code bench}, each with a unique-visitor note, at bench/run's rate, as the app's flusher sends them.
 * The default load is bench/run's: one client address and one User-Agent, so every counter sees the same
 * visitor again and again. It measures commands, not speed: any machine will do.
 * Usage: java -cp counter-bench.jar io.restycounter.bench.RedisCommandsPerHit REDIS_URL [SECONDS] [HITS_PER_S] [VISITORS]
 */
public final class RedisCommandsPerHit {

    static final int COUNTERS = 1000;

    private RedisCommandsPerHit() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 90_000;
        int visitors = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        CounterKey[] keys = new CounterKey[COUNTERS];
        for (int i = 0; i < COUNTERS; i++) {
            keys[i] = new CounterKey("bench", "c" + i);
        }
        String[] addresses = new String[visitors];
        for (int i = 0; i < visitors; i++) {
            addresses[i] = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
        }
        CounterConfig config = CounterConfig.builder().redisUrl(url)
                .logDir(Files.createTempDirectory("commands-per-hit")).build();
        RedisClient client = RedisClient.create(url);
        try (StatefulRedisConnection<String, String> info = client.connect()) {
            LocalDate day = LocalDate.now(ZoneOffset.UTC);
            long hits = 0;
            Map<String, Long> before;
            Map<String, Long> after;
            try (RedisCounterStore store = RedisCounterStore.connect(config, Clock.systemUTC())) {
                before = calls(info.sync().info("commandstats"));
                long start = System.nanoTime();
                long end = start + TimeUnit.SECONDS.toNanos(seconds);
                for (long now = start; now < end; now = System.nanoTime()) {
                    long due = (now - start) * rate / 1_000_000_000L;
                    for (; hits < due; hits++) {
                        CounterKey k = keys[(int) (hits % COUNTERS)];
                        store.increment(k, day, 1);
                        store.visit(k, day, addresses[(int) (hits / COUNTERS % visitors)], "wrk/4.2 bench");
                    }
                    LockSupport.parkNanos(200_000);
                }
                store.flush();
                after = calls(info.sync().info("commandstats"));
            }
            // close() deletes the last batch markers: the diff was taken before, so they are left out.
            long all = 0;
            Map<String, Long> diff = new TreeMap<>();
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (d > 0 && !e.getKey().equals("info")) {
                    diff.put(e.getKey(), d);
                    all += d;
                }
            }
            System.out.printf("%,d hits on %d counters, %d visitor(s) each, %d s: %.5f Redis commands per hit (%,d)%n",
                    hits, COUNTERS, visitors, seconds, (double) all / hits, all);
            for (Map.Entry<String, Long> e : diff.entrySet()) {
                System.out.printf("  %-10s %,10d  %.5f per hit%n", e.getKey(), e.getValue(), (double) e.getValue() / hits);
            }
        } finally {
            client.shutdown();
        }
    }

    /** Calls per command from {@code INFO commandstats}: lines {@code cmdstat_NAME:calls=N,...}. */
    static Map<String, Long> calls(String info) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                int colon = line.indexOf(':');
                int from = line.indexOf("calls=", colon) + "calls=".length();
                int to = line.indexOf(',', from);
                out.put(line.substring("cmdstat_".length(), colon), Long.parseLong(line.substring(from, to)));
            }
        }
        return out;
    }
}
