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

    /** The flush connection if it was opened, else null; never opens one. */
    StatefulConnection<String, String> flushIfOpen() {
        return flush;
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
}
