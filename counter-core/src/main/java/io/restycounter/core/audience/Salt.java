package io.restycounter.core.audience;

import java.time.Instant;

/**
 * The secret of one tenant's period, 128 bits, shared by all nodes; never logged (no {@code toString}
 * shows it). {@code key} names it ({@link SaltKey}).
 */
public final class Salt {

    final long k0;
    final long k1;

    Salt(byte[] sixteen) {
        if (sixteen.length != 16) {
            throw new IllegalArgumentException("a salt has 16 bytes, got " + sixteen.length);
        }
        this.k0 = SipHash.littleEndian(sixteen, 0, 8);
        this.k1 = SipHash.littleEndian(sixteen, 8, 8);
    }

    /** A salt from its 32 hex digits, as Redis or a salt file holds it. */
    public static Salt ofHex(String hex) {
        return new Salt(java.util.HexFormat.of().parseHex(hex.trim()));
    }

    /** 32 hex digits of 128 fresh random bits. */
    public static String freshHex() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    @Override
    public String toString() {
        return "Salt[secret]";
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * Which salt: a tenant's period ({@link io.restycounter.core.UniquesPeriod#id}, for example
     * {@code week-20261130}), and when that period ends, when the salt must be gone.
     */
    public record SaltKey(String tenant, String period, Instant end) {
    }
}
