package io.restycounter.core.redis;

import io.lettuce.core.ScriptOutputType;
import io.restycounter.core.IpHashKeys;
import io.restycounter.core.StoreException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The keys of LOG_IP=hashed in Redis, shared by every node: {@code rc:iphash:yyyyMMdd}, a string of hex,
 * created by the first node that needs it (SET NX) with an expiry at the day's end plus the grace, so
 * Redis deletes it on its own. The link is the engine's; this does not close it.
 */
public final class RedisIpHashKeys extends IpHashKeys {

    private static final String GET_OR_SET =
            "redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) return redis.call('GET', KEYS[1])";
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final RedisLink redis;

    public RedisIpHashKeys(RedisLink redis, ZoneId zone, Clock clock) {
        super(zone, clock);
        this.redis = redis;
    }

    static String key(LocalDate day) {
        return "rc:iphash:" + DAY.format(day);
    }

    @Override
    protected String load(LocalDate day, String candidate, long expiresAtMillis) throws StoreException {
        long ttl = expiresAtMillis - clock().millis();
        if (ttl <= 0) {
            return null;
        }
        String key = key(day);
        return redis.call("read the hash key of " + day,
                r -> r.<String>eval(GET_OR_SET, ScriptOutputType.VALUE, new String[] {key}, candidate, Long.toString(ttl)));
    }

    @Override
    protected void deleteEnded(LocalDate last) {
        // Each key expires on its own at its day's end plus the grace.
    }
}
