package io.restycounter.core.geoip;

import io.restycounter.core.ConfigException;
import io.restycounter.core.Settings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The client address of a request: the socket peer, or, when the peer is one of the {@code TRUSTED_PROXIES},
 * the address its proxies report. Immutable and thread-safe; no regular expressions and no DNS.
 *
 * <p>With a trusted peer, X-Forwarded-For is read from the right: each hop was appended by the machine that
 * received the request from it, so the right-most hop that is not itself a trusted proxy is the client as far
 * as anyone trustworthy saw it. Hops left of it were written by the client and are not believed. When every
 * hop is trusted, the left-most one is the client (a request from inside the proxies' network). Without
 * X-Forwarded-For, X-Real-IP is taken the same way. A hop that is not an IP literal makes the whole header
 * suspect, and the peer is returned.
 */
public final class ClientAddressResolver {

    private static final ClientAddressResolver NONE = new ClientAddressResolver(List.of());

    private final Cidr[] trusted;

    private ClientAddressResolver(List<Cidr> trusted) {
        this.trusted = trusted.toArray(new Cidr[0]);
    }

    /** From {@code TRUSTED_PROXIES}; unset trusts no proxy. */
    public static ClientAddressResolver from(Settings settings) {
        return of(settings.get("TRUSTED_PROXIES"));
    }

    /**
     * @param cidrs comma-separated CIDRs or single addresses, IPv4 or IPv6, e.g. {@code 10.0.0.0/8, fd00::/8};
     *              null or blank trusts no proxy
     * @throws ConfigException naming TRUSTED_PROXIES when one is malformed
     */
    public static ClientAddressResolver of(String cidrs) {
        if (cidrs == null || cidrs.isBlank()) {
            return NONE;
        }
        return of(List.of(cidrs.split(",", -1)));
    }

    /**
     * @param cidrs CIDRs or single addresses, IPv4 or IPv6, e.g. {@code 10.0.0.0/8} and {@code fd00::/8};
     *              blank ones are skipped; null or none trusts no proxy
     * @throws ConfigException naming TRUSTED_PROXIES when one is malformed
     */
    public static ClientAddressResolver of(List<String> cidrs) {
        List<Cidr> list = new ArrayList<>();
        for (String cidr : cidrs == null ? List.<String>of() : cidrs) {
            String one = cidr.trim();
            if (!one.isEmpty()) {
                Cidr c = Cidr.parse(one);
                if (c == null) {
                    throw Settings.invalid("TRUSTED_PROXIES",
                            "comma-separated CIDRs such as 10.0.0.0/8 or 2001:db8::/32", one);
                }
                list.add(c);
            }
        }
        return list.isEmpty() ? NONE : new ClientAddressResolver(list);
    }

    /** Trusts no proxy: the client is always the socket peer. */
    public static ClientAddressResolver none() {
        return NONE;
    }

    /**
     * @param peer          the socket's remote address as an IP literal
     * @param xForwardedFor the X-Forwarded-For header, all its values joined with commas; may be null
     * @param xRealIp       the X-Real-IP header; may be null
     * @return the client address (as written by whoever is believed, without brackets or spaces)
     */
    public String resolve(String peer, String xForwardedFor, String xRealIp) {
        if (trusted.length == 0 || peer == null) {
            return peer;
        }
        InetAddress peerAddress = InetAddresses.parseLiteral(peer);
        if (peerAddress == null || !isTrusted(peerAddress)) {
            return peer;
        }
        if (xForwardedFor != null && !xForwardedFor.isBlank()) {
            return fromForwardedFor(peer, xForwardedFor);
        }
        if (xRealIp != null && !xRealIp.isBlank()) {
            String hop = unbracket(xRealIp.trim());
            return InetAddresses.parseLiteral(hop) == null ? peer : hop;
        }
        return peer;
    }

    /** Whether {@code address} is in one of the trusted networks. */
    public boolean isTrusted(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Cidr c : trusted) {
            if (c.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    private String fromForwardedFor(String peer, String xff) {
        int end = xff.length();
        String leftMost = null;
        while (end >= 0) {
            int comma = xff.lastIndexOf(',', end - 1);
            String hop = unbracket(xff.substring(comma + 1, end).trim());
            InetAddress a = InetAddresses.parseLiteral(hop);
            if (a == null) {
                return peer;
            }
            if (!isTrusted(a)) {
                return hop;
            }
            leftMost = hop;
            if (comma < 0) {
                break;
            }
            end = comma;
        }
        return leftMost != null ? leftMost : peer;
    }

    private static String unbracket(String s) {
        if (s.length() > 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ClientAddressResolver[");
        for (int i = 0; i < trusted.length; i++) {
            b.append(i == 0 ? "" : ", ").append(trusted[i]);
        }
        return b.append(']').toString();
    }

    /** A network: address bytes with the host bits cleared, and the prefix length. */
    private record Cidr(byte[] network, int prefix, String text) {

        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            String host = slash < 0 ? s : s.substring(0, slash).trim();
            InetAddress a = InetAddresses.parseLiteral(unbracket(host));
            if (a == null || host.indexOf('%') >= 0) {
                return null;
            }
            byte[] bytes = a.getAddress();
            int bits = bytes.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String p = s.substring(slash + 1).trim();
                if (p.isEmpty() || p.length() > 3) {
                    return null;
                }
                prefix = 0;
                for (int i = 0; i < p.length(); i++) {
                    char c = p.charAt(i);
                    if (c < '0' || c > '9') {
                        return null;
                    }
                    prefix = prefix * 10 + (c - '0');
                }
                // An IPv4-mapped IPv6 literal (::ffff:a.b.c.d/n) comes back as IPv4: take the prefix as IPv6.
                if (a instanceof Inet4Address && host.indexOf(':') >= 0) {
                    prefix -= 96;
                    if (prefix < 0) {
                        return null;
                    }
                }
                if (prefix > bits) {
                    return null;
                }
            }
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] &= mask(prefix, i);
            }
            return new Cidr(bytes, prefix, s);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int i = 0; i < address.length; i++) {
                int m = mask(prefix, i);
                if (m == 0) {
                    return true;
                }
                if ((address[i] & m) != (network[i] & 0xFF)) {
                    return false;
                }
            }
            return true;
        }

        /** The mask of byte {@code i} under a prefix of {@code prefix} bits. */
        private static int mask(int prefix, int i) {
            int bitsHere = prefix - i * 8;
            if (bitsHere >= 8) {
                return 0xFF;
            }
            if (bitsHere <= 0) {
                return 0;
            }
            return (0xFF << (8 - bitsHere)) & 0xFF;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
