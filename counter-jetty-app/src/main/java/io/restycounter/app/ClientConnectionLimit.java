package io.restycounter.app;

import io.restycounter.core.geoip.ClientAddressResolver;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;

/**
 * Closes a connection as soon as it opens when its address already holds {@code max} others, so
 * one client cannot tie up the server with idle or slowly written requests. An IPv6 client is counted
 * per /64, the block one subscriber usually holds, as the rate limiter does. Trusted proxies carry
 * many clients and are not limited. The connections themselves are tracked, not a number, so a close
 * that is never reported (as around an h2c upgrade) cannot lock an address out: at the limit,
 * connections whose socket is already closed are dropped first.
 */
final class ClientConnectionLimit implements Connection.Listener {

    private final int max;
    private final ClientAddressResolver trusted;
    private final ConcurrentHashMap<InetAddress, Set<Connection>> open = new ConcurrentHashMap<>();

    ClientConnectionLimit(int max, ClientAddressResolver trusted) {
        this.max = max;
        this.trusted = trusted;
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress client = addressOf(connection);
        if (client == null || trusted.isTrusted(client)) {
            return;
        }
        Set<Connection> mine = open.computeIfAbsent(blockOf(client), a -> ConcurrentHashMap.newKeySet());
        mine.add(connection);
        if (mine.size() > max) {
            mine.removeIf(c -> !c.getEndPoint().isOpen());
            if (mine.size() > max) {
                mine.remove(connection);
                connection.getEndPoint().close();
            }
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress client = addressOf(connection);
        if (client == null || trusted.isTrusted(client)) {
            return;
        }
        open.computeIfPresent(blockOf(client), (a, mine) -> {
            mine.remove(connection);
            return mine.isEmpty() ? null : mine;
        });
    }

    /** The address itself, or for IPv6 its /64 (the rest zero). */
    static InetAddress blockOf(InetAddress client) {
        if (!(client instanceof Inet6Address)) {
            return client;
        }
        byte[] b = client.getAddress();
        Arrays.fill(b, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }

    private static InetAddress addressOf(Connection connection) {
        SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
