package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.geoip.ClientAddressResolver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.Connection;
import org.junit.jupiter.api.Test;

class ClientConnectionLimitTest {

    /** A real in-memory Jetty endpoint that says it comes from {@code client}. */
    private static Connection from(String client) throws Exception {
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName(client), 40_000);
        ByteArrayEndPoint endPoint = new ByteArrayEndPoint() {
            @Override
            public SocketAddress getRemoteSocketAddress() {
                return remote;
            }
        };
        return new AbstractConnection(endPoint, Runnable::run) {
            @Override
            public void onFillable() {
            }
        };
    }

    /** Issue 16: ten addresses of one IPv6 /64 held ten times the per-client cap. */
    @Test
    void ipv6ClientsAreCountedPerSlash64() throws Exception {
        ClientConnectionLimit limit = new ClientConnectionLimit(2, ClientAddressResolver.none());
        Connection a = from("2001:db8:1:2::1");
        Connection b = from("2001:db8:1:2::2");
        Connection c = from("2001:db8:1:2:ffff::3");
        Connection elsewhere = from("2001:db8:1:3::1");
        limit.onOpened(a);
        limit.onOpened(b);
        limit.onOpened(c);
        limit.onOpened(elsewhere);
        assertTrue(a.getEndPoint().isOpen());
        assertTrue(b.getEndPoint().isOpen());
        assertFalse(c.getEndPoint().isOpen(), "a third connection from the same /64 is closed");
        assertTrue(elsewhere.getEndPoint().isOpen(), "another /64 has its own count");

        limit.onClosed(a);
        Connection again = from("2001:db8:1:2::9");
        limit.onOpened(again);
        assertTrue(again.getEndPoint().isOpen(), "room again once one closed");
    }

    @Test
    void ipv4IsCountedPerAddress() throws Exception {
        assertEquals(InetAddress.getByName("203.0.113.1"), ClientConnectionLimit.blockOf(InetAddress.getByName("203.0.113.1")));
        assertNotEquals(ClientConnectionLimit.blockOf(InetAddress.getByName("203.0.113.1")),
                ClientConnectionLimit.blockOf(InetAddress.getByName("203.0.113.2")));
        assertEquals(InetAddress.getByName("2001:db8:1:2::"), ClientConnectionLimit.blockOf(InetAddress.getByName("2001:db8:1:2:a:b:c:d")));
    }
}
