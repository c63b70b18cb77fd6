package io.restycounter.core.redis;

import io.lettuce.core.api.StatefulConnection;
import io.restycounter.core.StoreException;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's connections on the process's one Lettuce client, one per kind of work so that none waits
 * behind another: batched flushes, queries, and the health check's PING. Each opens on first use and
 * again after {@link #closeAll()}.
 */
final class StoreConnections {

    enum Role { FLUSH, QUERY, HEALTH }

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);

    private final RedisLink link;
    private final String where;
    private final Map<Role, StatefulConnection<String, String>> open = new EnumMap<>(Role.class);
    private volatile StatefulConnection<String, String> flush;

    StoreConnections(RedisLink link) {
        this.link = link;
        this.where = link.where();
    }

    /** The connection of {@code role}, opened unless another thread just did. */
    StatefulConnection<String, String> get(Role role) throws StoreException {
        if (role == Role.FLUSH) {
            StatefulConnection<String, String> c = flush;
            if (c != null) {
                return c;
            }
        }
        synchronized (open) {
            StatefulConnection<String, String> c = open.get(role);
            if (c == null) {
                try {
                    c = link.connector().connect(role == Role.FLUSH);
                } catch (RuntimeException e) {
                    throw new StoreException(where + ": cannot connect: " + RedisLink.connectFailure(e), e);
                }
                open.put(role, c);
                if (role == Role.FLUSH) {
                    flush = c;
                }
            }
            return c;
        }
    }

    void closeAll() {
        synchronized (open) {
            for (StatefulConnection<String, String> c : open.values()) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing a connection to {}: {}", where, e.toString());
                }
            }
            open.clear();
            flush = null;
        }
    }

    /**
     * Unhealthy while the flush connection is down (reconnecting); healthy when Redis confirmed a batch
     * ({@code lastConfirmed}, clock millis) since {@code recentMillis}; otherwise (nothing to send, flushes
     * failing) a PING on a connection of its own, which never waits behind queries or batches.
     */
    boolean healthy(long lastConfirmed, long recentMillis, java.time.Duration pingTimeout) {
        StatefulConnection<String, String> flushing = flush;
        if (flushing != null && !flushing.isOpen()) {
            return false;
        }
        if (flushing != null && lastConfirmed != Long.MIN_VALUE && lastConfirmed >= recentMillis) {
            return true;
        }
        try {
            return "PONG".equals(RedisConnector.async(get(Role.HEALTH)).ping()
                    .get(pingTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (StoreException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                | RuntimeException e) {
            return false;
        }
    }
}
