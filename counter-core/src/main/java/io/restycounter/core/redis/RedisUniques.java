package io.restycounter.core.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.StoreException;
import io.restycounter.core.UniqueVisitors;
import io.restycounter.core.UniquesPeriod;
import io.restycounter.core.audience.PeriodRuns;
import io.restycounter.core.audience.Salt;
import io.restycounter.core.audience.Salts;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Unique visitors in Redis: the salts ({@code rcs:{tenant}:{period}}, 32 hex digits, created by the
 * first node that needs one and expiring when the period ends, so every node hashes a visitor alike)
 * and the reads of the day sketches ({@code rcu:{tenant}:yyyyMMdd:{counter}}) a flush writes.
 */
final class RedisUniques implements Salts {

    /** The salt of KEYS[1], or ARGV[1] made it, expiring in ARGV[2] seconds. */
    static final String SALT = """
            local v = redis.call('GET', KEYS[1])
            if v then
              return v
            end
            redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
            return ARGV[1]
            """;

    private final BatchProtocol.Connection flush;
    private final Clock clock;
    private final Function<String, UniquesPeriod> periods;
    private final String where;

    RedisUniques(BatchProtocol.Connection flush, Clock clock, Function<String, UniquesPeriod> periods, String where) {
        this.flush = flush;
        this.clock = clock;
        this.periods = periods;
        this.where = where;
    }

    static String saltKey(String tenant, String period) {
        return "rcs:{" + tenant + "}:" + period;
    }

    /** One pipelined script call per salt, on the flusher's connection; never on a request thread. */
    @Override
    public Map<Salt.SaltKey, Salt> resolve(Collection<Salt.SaltKey> keys) throws StoreException {
        Map<Salt.SaltKey, Salt> out = new HashMap<>();
        long now = clock.instant().getEpochSecond();
        List<Salt.SaltKey> asked = new ArrayList<>();
        List<RedisFuture<String>> replies = new ArrayList<>();
        StatefulConnection<String, String> c = flush.get();
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(c);
        try {
            for (Salt.SaltKey k : keys) {
                long left = k.end().getEpochSecond() - now;
                if (left <= 0) {
                    out.put(k, Salt.ofHex(Salt.freshHex())); // the period is over: a salt no one keeps
                    continue;
                }
                asked.add(k);
                replies.add(redis.eval(SALT, ScriptOutputType.VALUE, new String[] {saltKey(k.tenant(), k.period())},
                        Salt.freshHex(), Long.toString(left)));
            }
            c.flushCommands();
            for (int i = 0; i < asked.size(); i++) {
                out.put(asked.get(i), Salt.ofHex(BatchProtocol.await(replies.get(i))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(where + ": interrupted while reading visitor salts", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException(where + ": cannot read visitor salts: " + BatchProtocol.message(e),
                    BatchProtocol.cause(e));
        }
        return out;
    }

    /**
     * Per counter and day the PFCOUNT of its sketch; per counter and period the PFCOUNT of all its days,
     * summed over the range. One script call a counter, all sent before the first is awaited.
     */
    List<UniqueVisitors> read(StatefulConnection<String, String> query, String tenant, List<String> counters,
            LocalDate from, LocalDate to) throws StoreException {
        List<List<LocalDate>> runs = PeriodRuns.of(periods.apply(tenant), from, to);
        List<LocalDate> days = new ArrayList<>();
        String[] lengths = new String[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
            days.addAll(runs.get(r));
            lengths[r] = Integer.toString(runs.get(r).size());
        }
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(query);
        List<RedisFuture<List<Object>>> sent = new ArrayList<>(counters.size());
        for (String counter : counters) {
            String[] keys = new String[days.size()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = BatchProtocol.sketchKey(tenant, days.get(i), counter);
            }
            sent.add(redis.<List<Object>>eval(Scripts.UNIQUES, ScriptOutputType.MULTI, keys, lengths));
        }
        List<UniqueVisitors> out = new ArrayList<>(counters.size());
        for (RedisFuture<List<Object>> f : sent) {
            List<Object> reply = BatchProtocol.read(where, "uniques read", () -> f);
            SortedMap<LocalDate, Long> perDay = new TreeMap<>();
            for (int i = 0; i < days.size(); i++) {
                perDay.put(days.get(i), (Long) reply.get(i));
            }
            long total = 0;
            for (int r = 0; r < runs.size(); r++) {
                total += (Long) reply.get(days.size() + r);
            }
            out.add(new UniqueVisitors(perDay, total));
        }
        return out;
    }
}
