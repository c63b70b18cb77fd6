package io.restycounter.core.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.event.connection.DisconnectedEvent;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The process's one Lettuce client (with its one set of Netty threads), owned by a {@link RedisLink}
 * and shared by the store, the archive, tenant keys and certificates: one server, a primary found through Sentinel
 * ({@link RedisClient} does both), or a Redis Cluster ({@link RedisClusterClient}). Both hand out
 * connections whose async API is a {@link RedisClusterAsyncCommands}, which has everything the store
 * sends (EVALSHA, EVAL, UNLINK, PING); in a cluster Lettuce routes each script by its first key's slot
 * and follows MOVED and ASK redirections itself.
 */
final class RedisConnector {

    /** How often a cluster client re-reads the topology even when nothing went wrong. */
    static final Duration PERIODIC_REFRESH = Duration.ofSeconds(15);
    /** Adaptive refreshes (MOVED, ASK, repeated reconnects, ...) run at most this often. */
    static final Duration ADAPTIVE_REFRESH_LIMIT = Duration.ofSeconds(1);

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final boolean cluster;
    private final String where;
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder reconnectAttempts = new LongAdder();

    private RedisConnector(ClientResources resources, AbstractRedisClient client, boolean cluster, String where) {
        this.resources = resources;
        this.client = client;
        this.cluster = cluster;
        this.where = where;
        resources.eventBus().get().subscribe(event -> {
            if (event instanceof DisconnectedEvent) {
                disconnects.increment();
            } else if (event instanceof ReconnectAttemptEvent) {
                reconnectAttempts.increment();
            }
        });
    }

    /** Connections Lettuce saw drop since start, for metrics. */
    long disconnects() {
        return disconnects.sum();
    }

    /** Reconnects Lettuce tried since start, for metrics. */
    long reconnectAttempts() {
        return reconnectAttempts.sum();
    }

    /** How long a command, a connect or the shutdown of the client waits at most. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration MIN_RECONNECT_DELAY = Duration.ofMillis(100);
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(5);

    /** A client for {@code config.redisUrl()}; connects nothing yet. */
    static RedisConnector create(CounterConfig config) {
        Duration timeout = TIMEOUT;
        String url = config.redisUrl();
        if (url == null) {
            throw new ConfigException("REDIS_URL: expected redis://host:port or rediss://host:port, got none");
        }
        List<RedisURI> uris = new ArrayList<>();
        if (config.redisMode() == CounterConfig.RedisMode.SENTINEL) {
            uris.add(parse(url.trim()));
        } else {
            for (String one : url.split(",")) {
                uris.add(parse(one.trim()));
            }
        }
        for (RedisURI uri : uris) {
            uri.setTimeout(timeout);
        }
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(MIN_RECONNECT_DELAY, MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        // rediss:// checks the server's certificate against the JVM's CAs, or REDIS_TLS_CA's when set.
        SslOptions ssl = config.redisTlsCa() == null ? SslOptions.create()
                : SslOptions.builder().jdkSslProvider().trustManager(config.redisTlsCa().toFile()).build();
        if (config.redisMode() == CounterConfig.RedisMode.CLUSTER) {
            RedisClusterClient client = RedisClusterClient.create(resources, uris);
            client.setOptions(ClusterClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .sslOptions(ssl)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(PERIODIC_REFRESH)
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_LIMIT)
                            .refreshTriggersReconnectAttempts(3)
                            .build())
                    .build());
            String where = "Redis Cluster " + uris.stream().map(RedisConnector::describe).collect(Collectors.joining(","));
            return new RedisConnector(resources, client, true, where);
        }
        RedisClient client = RedisClient.create(resources, uris.get(0));
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(timeouts)
                .socketOptions(socket)
                .sslOptions(ssl)
                .build());
        return new RedisConnector(resources, client, false, "Redis at " + describe(uris.get(0)));
    }

    private static RedisURI parse(String url) {
        try {
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            throw Settings.invalidSecret("REDIS_URL", "redis://host:port or rediss://host:port");
        }
    }

    /** Where, without credentials. */
    private static String describe(RedisURI uri) {
        if (!uri.getSentinels().isEmpty()) {
            return (uri.isSsl() ? "rediss-sentinel://" : "redis-sentinel://") + uri.getSentinels().stream()
                    .map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","))
                    + "#" + uri.getSentinelMasterId();
        }
        return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
    }

    /**
     * A new connection. {@code batched}: commands wait for {@link StatefulConnection#flushCommands()}
     * (standalone only; a cluster connection writes each command at once, still pipelined).
     */
    StatefulConnection<String, String> connect(boolean batched) {
        StatefulConnection<String, String> c = cluster
                ? ((RedisClusterClient) client).connect()
                : ((RedisClient) client).connect();
        if (batched && !cluster) {
            c.setAutoFlushCommands(false);
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    static RedisClusterAsyncCommands<String, String> async(StatefulConnection<String, String> c) {
        if (c instanceof StatefulRedisClusterConnection<?, ?> cc) {
            return ((StatefulRedisClusterConnection<String, String>) cc).async();
        }
        return ((StatefulRedisConnection<String, String>) c).async();
    }

    String where() {
        return where;
    }

    boolean cluster() {
        return cluster;
    }

    /** Closes every connection of the client and ends its threads, waiting for them at most {@code timeout} each. */
    void shutdown(Duration timeout) {
        try {
            client.shutdown(Duration.ZERO, timeout);
        } finally {
            try {
                resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // Threads that outlive the timeout are daemons and end on their own.
            }
        }
    }
}
