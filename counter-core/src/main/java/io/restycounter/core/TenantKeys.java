package io.restycounter.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Query keys that read one tenant only, kept as SHA-256 digests (hex), never as the keys themselves:
 * a {@code TENANT_KEYS} file or the Redis sets {@code rck:{tenant}}. The API_KEY is checked elsewhere.
 */
public interface TenantKeys extends AutoCloseable {

    /** The hex SHA-256 digests of {@code tenant}'s keys. */
    Set<String> digests(String tenant) throws StoreException;

    /** Stores the digest of a new key of {@code tenant}. */
    void add(String tenant, String digestHex) throws StoreException;

    /** Removes every key of {@code tenant}; returns how many there were. */
    int revokeAll(String tenant) throws StoreException;

    @Override
    default void close() {
    }

    /**
     * Whether {@code presented} is one of {@code tenant}'s keys. Every stored digest is compared with
     * {@link MessageDigest#isEqual}, so the time taken does not depend on where a digest differs.
     */
    default boolean accepts(String tenant, String presented) throws StoreException {
        byte[] digest = sha256(presented);
        boolean match = false;
        for (String hex : digests(tenant)) {
            byte[] stored;
            try {
                stored = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                continue;
            }
            match |= MessageDigest.isEqual(stored, digest);
        }
        return match;
    }

    /** No tenant keys: only the API_KEY reads. */
    static TenantKeys none() {
        return NoTenantKeys.INSTANCE;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256(s));
    }

    /** A new random key: 32 bytes, hex. */
    static String newKey() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The null object. */
    enum NoTenantKeys implements TenantKeys {
        INSTANCE;

        @Override
        public Set<String> digests(String tenant) {
            return Set.of();
        }

        @Override
        public void add(String tenant, String digestHex) throws StoreException {
            throw new StoreException("TENANT_KEYS: expected a file path, or a Redis store (REDIS_HOST or REDIS_URL), got none");
        }

        @Override
        public int revokeAll(String tenant) throws StoreException {
            throw new StoreException("TENANT_KEYS: expected a file path, or a Redis store (REDIS_HOST or REDIS_URL), got none");
        }
    }
}
