package io.restycounter.core.log;

import io.restycounter.core.IpHashKeys;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.time.LocalDate;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client address as LOG_IP writes it, into a buffer it reuses: {@link #truncate} (IPv4 /24, IPv6
 * /48) or {@link #hash} (HMAC-SHA256 under the key of the day, of the tenant and the address, its first
 * 16 bytes in hex). Not thread-safe: the log writer's own.
 */
final class IpForm {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int HASH_BYTES = 16;

    private final IpHashKeys keys;
    private final char[] chars = new char[64];
    private int length;
    private final byte[] digest = new byte[32];
    private Mac mac;
    private byte[] macKey;

    IpForm(IpHashKeys keys) {
        this.keys = keys;
    }

    char[] chars() {
        return chars;
    }

    int length() {
        return length;
    }

    /**
     * The /24 of an IPv4 address ({@code 203.0.113.0}) or the /48 of an IPv6 one ({@code 2001:db8:1::}); false
     * when {@code address} is null (not an address: such a value is not written at all).
     */
    boolean truncate(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        length = 0;
        if (address instanceof Inet4Address) {
            for (int i = 0; i < 3; i++) {
                decimal(a[i] & 0xFF);
                chars[length++] = '.';
            }
            chars[length++] = '0';
        } else {
            for (int i = 0; i < 6; i += 2) {
                hexGroup((a[i] & 0xFF) << 8 | a[i + 1] & 0xFF);
                chars[length++] = ':';
            }
            chars[length++] = ':';
        }
        return true;
    }

    /**
     * The keyed hash of {@code tenant} and the address (its bytes; the text when {@code address} is null),
     * under the key of {@code day}; false when that key cannot be had (the line then goes without ip).
     */
    boolean hash(LocalDate day, String tenant, InetAddress address, String text) {
        byte[] key = keys.keyFor(day);
        if (key == null) {
            return false;
        }
        try {
            Mac m = macFor(key);
            for (int i = 0; i < tenant.length(); i++) {
                m.update((byte) tenant.charAt(i)); // [a-z0-9]
            }
            m.update((byte) 0);
            m.update(address != null ? address.getAddress() : text.getBytes(StandardCharsets.UTF_8));
            m.doFinal(digest, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("an HMAC-SHA256 is 32 bytes", e);
        }
        length = 0;
        for (int i = 0; i < HASH_BYTES; i++) {
            chars[length++] = HEX[digest[i] >> 4 & 0xF];
            chars[length++] = HEX[digest[i] & 0xF];
        }
        return true;
    }

    /** The Mac under {@code key}, made once per key (once a day). */
    private Mac macFor(byte[] key) {
        if (key != macKey) {
            try {
                if (mac == null) {
                    mac = Mac.getInstance("HmacSHA256");
                }
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (InvalidKeyException e) {
                throw new IllegalStateException("a 32-byte key suits HMAC-SHA256", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
            }
            macKey = key;
        }
        return mac;
    }

    private void decimal(int v) {
        if (v >= 100) {
            chars[length++] = (char) ('0' + v / 100);
        }
        if (v >= 10) {
            chars[length++] = (char) ('0' + v / 10 % 10);
        }
        chars[length++] = (char) ('0' + v % 10);
    }

    private void hexGroup(int v) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int d = v >> shift & 0xF;
            if (d != 0 || started || shift == 0) {
                chars[length++] = HEX[d];
                started = true;
            }
        }
    }
}
