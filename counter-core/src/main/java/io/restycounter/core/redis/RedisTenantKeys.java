package io.restycounter.core.redis;

import io.restycounter.core.StoreException;
import io.restycounter.core.TenantKeys;
import java.util.Set;

/** Tenant keys in Redis: set {@code rck:{tenant}} of hex SHA-256 digests. */
public final class RedisTenantKeys implements TenantKeys {

    private final RedisLink redis;
    private final boolean ownsLink;

    public RedisTenantKeys(RedisLink redis, boolean ownsLink) {
        this.redis = redis;
        this.ownsLink = ownsLink;
    }

    static String key(String tenant) {
        return "rck:{" + tenant + "}";
    }

    @Override
    public Set<String> digests(String tenant) throws StoreException {
        return redis.call("read tenant keys", r -> r.smembers(key(tenant)));
    }

    @Override
    public void add(String tenant, String digestHex) throws StoreException {
        redis.call("add tenant key", r -> r.sadd(key(tenant), digestHex));
    }

    @Override
    public int revokeAll(String tenant) throws StoreException {
        return redis.call("revoke tenant keys", r -> {
            long n = r.scard(key(tenant));
            r.del(key(tenant));
            return (int) n;
        });
    }

    @Override
    public void close() {
        if (ownsLink) {
            redis.close();
        }
    }
}
