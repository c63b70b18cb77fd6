package io.restycounter.core.redis;

import io.restycounter.core.StoreException;
import io.restycounter.core.tenant.TenantSettings;
import io.restycounter.core.tenant.TenantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The registry in Redis: hash {@code rct:{tenant}} of its settings (lists comma-separated), its query
 * keys in the set {@code rck:{tenant}} (the same set TENANT_KEYS used, so old keys stay valid), the set
 * {@code rct:tenants} of tenant ids, and {@code rct:version}, a counter every change increments. Nodes
 * poll the version (one GET) and read the tenants again only when it moved.
 */
public final class RedisTenantSource implements TenantSource {

    static final String IDS = "rct:tenants";
    static final String VERSION = "rct:version";

    private final RedisLink redis;

    public RedisTenantSource(RedisLink redis) {
        this.redis = redis;
    }

    static String key(String tenant) {
        return "rct:{" + tenant + "}";
    }

    @Override
    public Object version() throws StoreException {
        String v = redis.get(VERSION);
        return v == null ? "0" : v;
    }

    @Override
    public Map<String, TenantSettings> load() throws StoreException {
        Map<String, TenantSettings> tenants = new TreeMap<>();
        for (String id : redis.members(IDS)) {
            TenantSettings t = read(id);
            if (t != null) {
                tenants.put(id, t);
            }
        }
        return tenants;
    }

    private TenantSettings read(String id) throws StoreException {
        Map<String, String> fields = redis.call("HGETALL " + key(id), r -> r.hgetall(key(id)));
        Set<String> keys = redis.call("SMEMBERS " + RedisTenantKeys.key(id), r -> r.smembers(RedisTenantKeys.key(id)));
        Map<String, Object> values = new HashMap<>(fields);
        values.put(TenantSettings.KEYS, List.copyOf(keys));
        try {
            return TenantSettings.parse(id, values);
        } catch (IllegalArgumentException e) {
            throw new StoreException("tenant registry in " + redis.where() + ": " + key(id) + ": " + e.getMessage());
        }
    }

    @Override
    public boolean exists(String id) throws StoreException {
        return redis.call("SISMEMBER " + IDS, r -> r.sismember(IDS, id));
    }

    @Override
    public TenantSettings update(String id, boolean create, UnaryOperator<TenantSettings> change) throws StoreException {
        boolean known = exists(id);
        if (!known && !create) {
            throw new UnknownTenantException(id, describe());
        }
        TenantSettings before = known ? read(id) : TenantSettings.of(id);
        TenantSettings after = change.apply(before);
        Map<String, Object> was = before.values();
        Map<String, Object> now = after.values();
        Map<String, String> set = new HashMap<>();
        List<String> removed = new ArrayList<>();
        for (String name : TenantSettings.NAMES) {
            if (name.equals(TenantSettings.KEYS)) {
                continue;
            }
            Object v = now.get(name);
            if (v == null && was.containsKey(name)) {
                removed.add(name);
            } else if (v != null && !v.equals(was.get(name))) {
                set.put(name, v instanceof List<?> l ? String.join(",", l.stream().map(Object::toString).toList())
                        : v.toString());
            }
        }
        Set<String> addKeys = new HashSet<>(after.keyDigests());
        addKeys.removeAll(before.keyDigests());
        Set<String> dropKeys = new HashSet<>(before.keyDigests());
        dropKeys.removeAll(after.keyDigests());
        String hash = key(id);
        String keySet = RedisTenantKeys.key(id);
        redis.call("update " + hash, r -> {
            if (!set.isEmpty()) {
                r.hset(hash, set);
            }
            if (!removed.isEmpty()) {
                r.hdel(hash, removed.toArray(new String[0]));
            }
            if (!addKeys.isEmpty()) {
                r.sadd(keySet, addKeys.toArray(new String[0]));
            }
            if (!dropKeys.isEmpty()) {
                r.srem(keySet, dropKeys.toArray(new String[0]));
            }
            r.sadd(IDS, id);
            return r.incr(VERSION);
        });
        return after;
    }

    @Override
    public boolean remove(String id) throws StoreException {
        return redis.call("remove tenant " + id, r -> {
            boolean was = r.srem(IDS, id) > 0;
            r.del(key(id));
            r.del(RedisTenantKeys.key(id));
            r.incr(VERSION);
            return was;
        });
    }

    @Override
    public String describe() {
        return "Redis at " + redis.where();
    }
}
