package io.restycounter.core.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.StoreException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process's one Lettuce client for the counts' Redis (one server, Sentinel or Cluster), and on it
 * one lazily opened, shared connection for state that is small and off the pixel path: the archive,
 * tenant keys, certificates, locks. A {@link RedisCounterStore} opens its own connections on the same
 * client. Synchronous commands, each waiting at most a few seconds; any failure is a {@link StoreException}.
 * {@link #close()} ends the client and its threads: close it after everything that uses it.
 */
public final class RedisLink implements AutoCloseable {

    private static final String DELETE_IF_EQUALS =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private final RedisConnector connector;
    private volatile StatefulConnection<String, String> connection;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisLink(RedisConnector connector) {
        this.connector = connector;
    }

    /** A link to {@code config}'s Redis; nothing is connected until the first command. */
    public static RedisLink connect(CounterConfig config) {
        if (config.redisUrl() == null) {
            throw new ConfigException("REDIS_URL: expected redis://host:port or rediss://host:port, got none");
        }
        return new RedisLink(RedisConnector.create(config));
    }

    /** Connections to Redis that dropped since start (Lettuce's DisconnectedEvent). */
    public long disconnects() {
        return connector.disconnects();
    }

    /** Reconnects Lettuce tried since start. */
    public long reconnectAttempts() {
        return connector.reconnectAttempts();
    }

    /** One use of the synchronous commands, common to one server and a cluster. */
    @FunctionalInterface
    public interface Command<T> {
        T run(RedisClusterCommands<String, String> redis) throws StoreException;
    }

    /** Runs {@code command} on the shared connection; any Redis failure becomes a StoreException. */
    public <T> T call(String what, Command<T> command) throws StoreException {
        try {
            return command.run(commands());
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException(connector.where() + ": " + what + " failed: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /** The value of {@code key}, or null. */
    public String get(String key) throws StoreException {
        return call("GET " + key, r -> r.get(key));
    }

    /** Sets {@code key}; {@code ttl} null keeps it until overwritten. */
    public void set(String key, String value, Duration ttl) throws StoreException {
        call("SET " + key, r -> ttl == null ? r.set(key, value) : r.set(key, value, SetArgs.Builder.px(ttl.toMillis())));
    }

    /** {@code SET key value NX PX ttl}: true when this call created the key (took the lock). */
    public boolean setIfAbsent(String key, String value, Duration ttl) throws StoreException {
        return "OK".equals(call("SET NX " + key, r -> r.set(key, value, SetArgs.Builder.nx().px(ttl.toMillis()))));
    }

    /** Deletes {@code key} only while it still holds {@code value} (releases a lock this node holds). */
    public boolean deleteIfEquals(String key, String value) throws StoreException {
        Long n = call("release " + key,
                r -> r.<Long>eval(DELETE_IF_EQUALS, ScriptOutputType.INTEGER, new String[] {key}, value));
        return n != null && n == 1;
    }

    public void delete(String key) throws StoreException {
        call("UNLINK " + key, r -> r.unlink(key));
    }

    public void addToSet(String key, String member) throws StoreException {
        call("SADD " + key, r -> r.sadd(key, member));
    }

    public Set<String> members(String key) throws StoreException {
        return call("SMEMBERS " + key, r -> r.smembers(key));
    }

    /**
     * Why a connection failed, in the operating system's words where there are some ({@code Connection
     * refused}): the innermost cause, as Lettuce's own message names the address in a form no operator types.
     */
    static String connectFailure(Throwable e) {
        Throwable root = e;
        for (int i = 0; i < 10 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Where, without credentials. */
    public String where() {
        return connector.where();
    }

    @SuppressWarnings("unchecked")
    private RedisClusterCommands<String, String> commands() throws StoreException {
        StatefulConnection<String, String> c = connection();
        if (c instanceof StatefulRedisClusterConnection<?, ?> cluster) {
            return ((StatefulRedisClusterConnection<String, String>) cluster).sync();
        }
        return ((StatefulRedisConnection<String, String>) c).sync();
    }

    /** The shared connection's async commands: reads sent together, then awaited (see BatchProtocol.read). */
    RedisClusterAsyncCommands<String, String> async() throws StoreException {
        return RedisConnector.async(connection());
    }

    private StatefulConnection<String, String> connection() throws StoreException {
        StatefulConnection<String, String> c = connection;
        if (c == null || !c.isOpen()) {
            synchronized (this) {
                c = connection;
                if (c == null || !c.isOpen()) {
                    try {
                        c = connector.connect(false);
                    } catch (RuntimeException e) {
                        throw new StoreException(connector.where() + ": cannot connect: " + connectFailure(e), e);
                    }
                    connection = c;
                }
            }
        }
        return c;
    }

    RedisConnector connector() {
        return connector;
    }

    /** Closes the shared connection and the client with its threads. Safe to call more than once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            StatefulConnection<String, String> c = connection;
            if (c != null) {
                c.close();
            }
        } finally {
            connector.shutdown(RedisConnector.TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return connector.where();
    }
}
