package io.restycounter.core.geoip;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP literals without ever asking DNS. */
public final class InetAddresses {

    private InetAddresses() {
    }

    /** The address written in {@code s}, or null when {@code s} is not an IPv4 or IPv6 literal. */
    public static InetAddress parseLiteral(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return null;
        }
        boolean v6 = s.indexOf(':') >= 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.'
                    || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '%'
                    || c == '[' || c == ']'));
            if (!ok) {
                return null;
            }
        }
        if (!v6 && !isDottedQuad(s)) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isDottedQuad(String s) {
        int parts = 1;
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                parts++;
                digits = 0;
            } else if (++digits > 3) {
                return false;
            }
        }
        return parts == 4 && digits > 0;
    }
}
