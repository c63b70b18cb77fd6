package io.restycounter.core;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A few single-key Redis operations that nodes use to share small state (certificates, ACME challenge
 * answers, locks), over the same Redis as the counts: one server, Sentinel or Cluster. Not for the hot
 * path. Every call waits at most a few seconds and throws {@link StoreException} when Redis does not answer.
 */
public final class SharedRedis implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String DELETE_IF_EQUALS =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private final RedisConnector connector;
    private final Object connectLock = new Object();
    private volatile StatefulConnection<String, String> connection;

    private SharedRedis(RedisConnector connector) {
        this.connector = connector;
    }

    /** A client for {@code config.redisUrl()}; it connects on first use. */
    public static SharedRedis connect(CounterConfig config) {
        return new SharedRedis(RedisConnector.create(config, TIMEOUT, Duration.ofMillis(100), Duration.ofSeconds(5)));
    }

    /** The value of {@code key}, or null. */
    public String get(String key) throws StoreException {
        return await(redis().get(key));
    }

    /** Sets {@code key}; {@code ttl} null keeps it until overwritten. */
    public void set(String key, String value, Duration ttl) throws StoreException {
        await(ttl == null ? redis().set(key, value) : redis().set(key, value, SetArgs.Builder.px(ttl.toMillis())));
    }

    /** {@code SET key value NX PX ttl}: true when this call created the key (took the lock). */
    public boolean setIfAbsent(String key, String value, Duration ttl) throws StoreException {
        return "OK".equals(await(redis().set(key, value, SetArgs.Builder.nx().px(ttl.toMillis()))));
    }

    /** Deletes {@code key} only while it still holds {@code value} (releases a lock this node holds). */
    public boolean deleteIfEquals(String key, String value) throws StoreException {
        Long n = await(redis().<Long>eval(DELETE_IF_EQUALS, ScriptOutputType.INTEGER, new String[] {key}, value));
        return n != null && n == 1;
    }

    public void delete(String key) throws StoreException {
        await(redis().unlink(key));
    }

    public void addToSet(String key, String member) throws StoreException {
        await(redis().sadd(key, member));
    }

    public Set<String> members(String key) throws StoreException {
        return await(redis().smembers(key));
    }

    /** Where, without credentials. */
    public String where() {
        return connector.where();
    }

    @Override
    public void close() {
        connector.shutdown(TIMEOUT);
    }

    private RedisClusterAsyncCommands<String, String> redis() throws StoreException {
        StatefulConnection<String, String> c = connection;
        if (c == null) {
            synchronized (connectLock) {
                c = connection;
                if (c == null) {
                    try {
                        c = connector.connect(false);
                    } catch (RuntimeException e) {
                        throw new StoreException(connector.where() + ": cannot connect: " + e.getMessage(), e);
                    }
                    connection = c;
                }
            }
        }
        return RedisConnector.async(c);
    }

    private <T> T await(RedisFuture<T> f) throws StoreException {
        try {
            return f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new StoreException(connector.where() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new StoreException(connector.where() + ": no answer within " + TIMEOUT.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(connector.where() + ": interrupted", e);
        }
    }
}
