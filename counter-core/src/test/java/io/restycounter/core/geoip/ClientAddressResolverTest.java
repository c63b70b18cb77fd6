package io.restycounter.core.geoip;

import io.restycounter.core.ConfigException;
import io.restycounter.core.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientAddressResolverTest {

    private final ClientAddressResolver resolver =
            ClientAddressResolver.of("10.0.0.0/8, 192.168.1.1 ,2001:db8:1::/48,172.16.5.77/16");

    @ParameterizedTest(name = "peer {0}, XFF \"{1}\", X-Real-IP \"{2}\" -> {3}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            # untrusted peer: its headers are never believed
            203.0.113.9  | 1.2.3.4                                  | NULL       | 203.0.113.9
            203.0.113.9  | NULL                                     | 5.6.7.8    | 203.0.113.9
            2a02:1::9    | 1.2.3.4                                  | 5.6.7.8    | 2a02:1::9
            # trusted peer, one hop
            10.0.0.1     | 1.2.3.4                                  | NULL       | 1.2.3.4
            192.168.1.1  | 1.2.3.4                                  | NULL       | 1.2.3.4
            # 192.168.1.2 is not 192.168.1.1
            192.168.1.2  | 1.2.3.4                                  | NULL       | 192.168.1.2
            # the client's own claims left of the right-most untrusted hop are ignored
            10.0.0.1     | 6.6.6.6, 1.2.3.4                         | NULL       | 1.2.3.4
            # several trusted hops, IPv4 and IPv6, are skipped from the right
            10.0.0.1     | 6.6.6.6, 1.2.3.4, 10.9.9.9, 192.168.1.1  | NULL       | 1.2.3.4
            10.0.0.1     | 1.2.3.4,10.9.9.9,2001:db8:1:ffff::1      | NULL       | 1.2.3.4
            172.16.200.1 | 1.2.3.4                                  | NULL       | 1.2.3.4
            # every hop trusted: the left-most one is the client
            10.0.0.1     | 10.1.1.1, 10.0.0.2                       | NULL       | 10.1.1.1
            # IPv6 peer and hops, bracketed or not
            2001:db8:1::5 | 2a02:c7f::1                             | NULL       | 2a02:c7f::1
            2001:db8:1::5 | 2a02:c7f::1, 2001:db8:1::9              | NULL       | 2a02:c7f::1
            2001:db8:1::5 | [2a02:c7f::1]                           | NULL       | 2a02:c7f::1
            2001:db8:2::5 | 2a02:c7f::1                             | NULL       | 2001:db8:2::5
            # an IPv4-mapped IPv6 peer is its IPv4 address
            ::ffff:10.0.0.1 | 1.2.3.4                               | NULL       | 1.2.3.4
            # garbage reached while reading from the right: the peer
            10.0.0.1     | 1.2.3.4, evil.example, 10.0.0.3          | NULL       | 10.0.0.1
            10.0.0.1     | unknown                                  | NULL       | 10.0.0.1
            10.0.0.1     | 1.2.3.4:8080                             | NULL       | 10.0.0.1
            10.0.0.1     | 1.2.3.4,                                 | NULL       | 10.0.0.1
            10.0.0.1     | 999.1.1.1                                | NULL       | 10.0.0.1
            10.0.0.1     | 1.2.3                                    | NULL       | 10.0.0.1
            10.0.0.1     | '1.2.3.4 5.6.7.8'                        | NULL       | 10.0.0.1
            # garbage left of the answer is never read
            10.0.0.1     | <script>, 1.2.3.4                        | NULL       | 1.2.3.4
            10.0.0.1     | 1.2.3.4,,5.6.7.8                         | NULL       | 5.6.7.8
            # X-Real-IP when there is no X-Forwarded-For
            10.0.0.1     | NULL                                     | 5.6.7.8    | 5.6.7.8
            10.0.0.1     | ''                                       | 5.6.7.8    | 5.6.7.8
            10.0.0.1     | '   '                                    | 2a02::7    | 2a02::7
            10.0.0.1     | NULL                                     | not-an-ip  | 10.0.0.1
            10.0.0.1     | 1.2.3.4                                  | 5.6.7.8    | 1.2.3.4
            # trusted peer without headers
            10.0.0.1     | NULL                                     | NULL       | 10.0.0.1
            10.0.0.1     | ''                                       | ''         | 10.0.0.1
            """)
    void resolves(String peer, String xff, String realIp, String expected) {
        assertEquals(expected, resolver.resolve(peer, xff, realIp));
    }

    @Test
    void withoutTrustedProxiesThePeerIsTheClient() {
        ClientAddressResolver none = ClientAddressResolver.from(Settings.of(Map.of()));
        assertSame(ClientAddressResolver.none(), none);
        assertEquals("10.0.0.1", none.resolve("10.0.0.1", "1.2.3.4", "5.6.7.8"));
        assertEquals("10.0.0.1", ClientAddressResolver.of(" ").resolve("10.0.0.1", "1.2.3.4", null));
    }

    @Test
    void readsTrustedProxiesFromSettings() {
        ClientAddressResolver r = ClientAddressResolver.from(Settings.of(Map.of("TRUSTED_PROXIES", "127.0.0.1/32,::1")));
        assertEquals("1.2.3.4", r.resolve("127.0.0.1", "1.2.3.4", null));
        assertEquals("1.2.3.4", r.resolve("::1", "1.2.3.4", null));
        assertEquals("127.0.0.2", r.resolve("127.0.0.2", "1.2.3.4", null));
    }

    @Test
    void prefixesMatchBitByBit() {
        ClientAddressResolver r = ClientAddressResolver.of("100.64.0.0/10, 2001:db8::/31, 0.0.0.0/0");
        assertTrue(r.isTrusted(MaxMindGeoIpTest.ip("203.0.113.1")));
        ClientAddressResolver cgnat = ClientAddressResolver.of("100.64.0.0/10, 2001:db8::/31");
        assertTrue(cgnat.isTrusted(MaxMindGeoIpTest.ip("100.127.255.255")));
        assertFalse(cgnat.isTrusted(MaxMindGeoIpTest.ip("100.128.0.0")));
        assertFalse(cgnat.isTrusted(MaxMindGeoIpTest.ip("100.63.255.255")));
        assertTrue(cgnat.isTrusted(MaxMindGeoIpTest.ip("2001:db9:ffff::1")));
        assertFalse(cgnat.isTrusted(MaxMindGeoIpTest.ip("2001:dba::1")));
        // Host bits in the configured value are cleared, not a mismatch.
        assertTrue(ClientAddressResolver.of("10.1.2.3/8").isTrusted(MaxMindGeoIpTest.ip("10.200.0.1")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "foo", "10.0.0.0/", "/8", "2001:db8::/129", "10.0.0.0/8/1",
        "10.0.0.0/-1", "10.0.0/8", "localhost", "10.0.0.0/8, nonsense", "10.0.0.0/1000", "fe80::1%eth0/64"})
    void badCidrsNameTheSetting(String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> ClientAddressResolver.of(value));
        assertTrue(e.getMessage().startsWith("TRUSTED_PROXIES: "), e.getMessage());
    }
}
