package io.restycounter.core.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.restycounter.core.CounterKey;
import io.restycounter.core.StoreException;
import io.restycounter.core.report.ArchiveMonth;
import java.time.LocalDate;
import java.time.YearMonth;

/**
 * All-time totals in Redis: hash {@code rca:{tenant}:all}, counter to the sum of every archived day of
 * it. A share that moves a day's total moves this total by the same difference in the same script
 * ({@link ArchiveScripts#SHARE}), so aggregating a day again changes nothing, and a query
 * reads one field instead of every archived month.
 *
 * <p>What the archive held before the totals existed is added once per tenant by {@link #step}, in
 * steps of {@value #CHUNK} counters: month by month from the first complete day ({@code rca:days}), each
 * month's counters in name order from its index {@code rcn:{tenant}:yyyyMM}. How far it got is the
 * string {@code rca:{tenant}:all:built}, {@code "yyyyMM counter"} (that month's counters up to that
 * name are in; an empty name: none yet), then {@code done}. A share script adds a difference only where
 * the total already holds the day's month and counter, so each day's count is added exactly once,
 * whichever runs first. Counters of a month archived before month indexes existed, and never
 * aggregated again since, are not in the index and so not in the total.
 */
final class RedisAllTime {

    static final String DONE = "done";
    /** Counters per step of the first build: each reads up to 31 fields. */
    static final int CHUNK = 200;

    /** Lua: {@code counted(month, counter)}, whether the all-time total already holds that month of that counter. */
    static final String COUNTED_IN_TOTALS = """
            local built = redis.call('GET', KEYS[#KEYS])
            local function counted(month, counter)
              if not built then
                return false
              end
              if built == 'done' then
                return true
              end
              local m, c = string.match(built, '^(%d+) (.*)$')
              if not m then
                return false
              end
              return month < m or (month == m and c ~= '' and counter <= c)
            end
            """;

    /**
     * KEYS[1] the month's counter index, KEYS[2] the month's totals, KEYS[3] the all-time totals, KEYS[4]
     * the progress. ARGV[1] the progress this step starts from (another node moved it: -1, nothing done),
     * ARGV[2] days in the month, ARGV[3] counters per step, ARGV[4] the progress once the month is done.
     */
    static final String BUILD_SCRIPT = """
            local state = redis.call('GET', KEYS[4])
            if state ~= ARGV[1] then
              return -1
            end
            local m, cursor = string.match(state, '^(%d+) (.*)$')
            local min = '-'
            if cursor ~= '' then
              min = '(' .. cursor
            end
            local chunk = tonumber(ARGV[3])
            local names = redis.call('ZRANGEBYLEX', KEYS[1], min, '+', 'LIMIT', 0, chunk)
            local days = tonumber(ARGV[2])
            for _, name in ipairs(names) do
              local fields = {}
              for d = 1, days do
                fields[d] = name .. string.format(':%02d', d)
              end
              local values = redis.call('HMGET', KEYS[2], unpack(fields))
              local sum = 0
              for d = 1, days do
                if values[d] then
                  sum = sum + tonumber(values[d])
                end
              end
              if sum ~= 0 then
                redis.call('HINCRBY', KEYS[3], name, string.format('%d', sum))
              end
            end
            if #names < chunk then
              redis.call('SET', KEYS[4], ARGV[4])
            else
              redis.call('SET', KEYS[4], m .. ' ' .. names[#names])
            end
            return #names
            """;

    /** KEYS[1] the month's totals, KEYS[2] the all-time totals, KEYS[3] the progress. ARGV the fields to delete. */
    static final String DROP_SCRIPT = COUNTED_IN_TOTALS + ArchiveScripts.SHARE_FUNCTIONS + """
            local month = string.sub(KEYS[1], -6)
            for i = 1, #ARGV do
              local v = redis.call('HGET', KEYS[1], ARGV[i])
              if v then
                redis.call('HDEL', KEYS[1], ARGV[i])
                local counter = string.sub(ARGV[i], 1, -4)
                add(KEYS[1], counter .. ':t', -tonumber(v))
                if counted(month, counter) then
                  add(KEYS[2], counter, -tonumber(v))
                end
              end
            end
            return 1
            """;

    private final RedisLink redis;
    private final RedisCounterArchive archive;

    RedisAllTime(RedisLink redis, RedisCounterArchive archive) {
        this.redis = redis;
        this.archive = archive;
    }

    static String totalsKey(String tenant) {
        return "rca:{" + tenant + "}:all";
    }

    static String progressKey(String tenant) {
        return "rca:{" + tenant + "}:all:built";
    }

    /** The all-time archived total of {@code key}, or -1 while its tenant's first build is not done. */
    long total(CounterKey key) throws StoreException {
        String progress = progressKey(key.tenant());
        String state = redis.call("GET " + progress, r -> r.get(progress));
        if (!DONE.equals(state)) {
            return -1;
        }
        String totals = totalsKey(key.tenant());
        return ArchiveMonth.parse(redis.call("HGET " + totals, r -> r.hget(totals, key.counter())));
    }

    /** One step of {@code tenant}'s first build; true once it is done. */
    boolean step(String tenant, YearMonth thisMonth) throws StoreException {
        String progress = progressKey(tenant);
        String state = redis.call("GET " + progress, r -> r.get(progress));
        if (DONE.equals(state)) {
            return true;
        }
        if (state == null) {
            String start = ArchiveMonth.MONTH.format(firstMonth(thisMonth)) + " ";
            redis.call("SET " + progress, r -> r.set(progress, start, SetArgs.Builder.nx()));
            state = redis.call("GET " + progress, r -> r.get(progress));
            if (state == null || DONE.equals(state)) {
                return DONE.equals(state);
            }
        }
        YearMonth month = YearMonth.parse(state.substring(0, 6), ArchiveMonth.MONTH);
        YearMonth next = month.plusMonths(1);
        String after = next.isAfter(thisMonth) ? DONE : ArchiveMonth.MONTH.format(next) + " ";
        String monthKey = RedisCounterArchive.monthKey(tenant, month);
        String from = state;
        Long n = redis.call("build all-time totals " + tenant, r -> r.<Long>eval(BUILD_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {"rcn" + monthKey.substring(3), monthKey, totalsKey(tenant), progress},
                from, Integer.toString(month.lengthOfMonth()), Integer.toString(CHUNK), after));
        return n != null && n >= 0 && n < CHUNK && DONE.equals(after);
    }

    /** Deletes {@code fields} of a month's totals, taking them out of the all-time totals that hold them. */
    void drop(String monthKey, String[] fields) throws StoreException {
        String tenant = monthKey.substring(monthKey.indexOf('{') + 1, monthKey.indexOf('}'));
        redis.call("HDEL " + monthKey, r -> r.<Long>eval(DROP_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {monthKey, totalsKey(tenant), progressKey(tenant)}, fields));
    }

    /** The month of the first complete day, where the archive begins; this month when there is none. */
    private YearMonth firstMonth(YearMonth thisMonth) throws StoreException {
        YearMonth first = thisMonth;
        for (String day : archive.aggregatedDays()) {
            try {
                YearMonth m = YearMonth.from(LocalDate.parse(day));
                if (m.isBefore(first)) {
                    first = m;
                }
            } catch (RuntimeException e) {
                // not a day: ignore
            }
        }
        return first;
    }
}
