package io.restycounter.core;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * One lazily opened, shared Lettuce connection to a standalone Redis, for the archive and the tenant
 * keys: commands that are few and not on the pixel path, so the synchronous API with a timeout is enough.
 */
public final class RedisLink implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private final RedisClient client;
    private final String where;
    private volatile StatefulRedisConnection<String, String> connection;

    private RedisLink(RedisURI uri) {
        uri.setTimeout(COMMAND_TIMEOUT);
        this.where = (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
                .build());
    }

    /** A link to the single server of {@code url}; nothing is connected until the first command. */
    public static RedisLink to(String url) {
        if (url == null) {
            throw new ConfigException("REDIS_URL: expected redis://host:port or rediss://host:port, got none");
        }
        if (url.contains(",")) {
            throw new ConfigException("REDIS_URL: cluster support comes with REDIS_CLUSTER");
        }
        try {
            return new RedisLink(RedisURI.create(url.trim()));
        } catch (RuntimeException e) {
            throw Settings.invalidSecret("REDIS_URL", "redis://host:port or rediss://host:port");
        }
    }

    /** Runs {@code command} on the shared connection; any Redis failure becomes a StoreException. */
    public <T> T call(String what, Command<T> command) throws StoreException {
        try {
            return command.run(commands());
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException("Redis at " + where + ": " + what + " failed: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /** One use of the synchronous commands. */
    @FunctionalInterface
    public interface Command<T> {
        T run(RedisCommands<String, String> redis) throws StoreException;
    }

    private RedisCommands<String, String> commands() throws StoreException {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !c.isOpen()) {
            synchronized (this) {
                c = connection;
                if (c == null || !c.isOpen()) {
                    try {
                        c = client.connect();
                    } catch (RuntimeException e) {
                        throw new StoreException("Redis at " + where + ": cannot connect: " + e.getMessage(), e);
                    }
                    connection = c;
                }
            }
        }
        return c.sync();
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return where;
    }
}
