package io.restycounter.core.guard;

import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed pixel URLs, for tenants that want them (SIGNING_KEYS). Such a tenant's pixels must end with
 * {@code sig}, the lowercase hex HMAC-SHA256, under the tenant's secret, of
 * {@code {tenant}/{counter}} followed by {@code ?} and the raw query before {@code &sig=} when there
 * is one: {@code acme/signup?v=2&exp=1767225600}. So {@code v}, {@code redir} and {@code exp} are
 * covered too. An {@code exp} (epoch seconds) makes the URL stop counting at that time.
 * {@link #sign} computes the signature for the backend that writes the URLs.
 */
public final class PixelSigning {

    private static final PixelSigning NONE = new PixelSigning(Map.of());
    private static final int MIN_SECRET_LENGTH = 16;

    private final Map<String, byte[]> secrets;

    private PixelSigning(Map<String, byte[]> secrets) {
        this.secrets = secrets;
    }

    /**
     * From {@code SIGNING_KEYS}: {@code tenant:secret} pairs separated by commas, or {@code @/path}
     * to a file of such pairs, one a line. Unset: no tenant needs signatures.
     */
    public static PixelSigning from(Settings settings) {
        String v = settings.get("SIGNING_KEYS");
        return v == null ? NONE : of(parseKeys(v));
    }

    /**
     * The tenant secrets a SIGNING_KEYS value names, in its order (a later pair of a tenant wins): its
     * {@code tenant:secret} pairs, or those of the file {@code @/path} names, one a line, where blank
     * lines and lines starting with {@code #} are skipped. Tenants and secrets are checked by {@link #of}.
     *
     * @throws ConfigException naming SIGNING_KEYS when the file cannot be read or a pair has no colon
     */
    public static Map<String, String> parseKeys(String signingKeys) {
        List<String> pairs;
        if (signingKeys.startsWith("@")) {
            try {
                pairs = Files.readAllLines(Path.of(signingKeys.substring(1)), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("SIGNING_KEYS: cannot read " + signingKeys.substring(1) + ": " + e.getMessage());
            }
        } else {
            pairs = List.of(signingKeys.split(","));
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String pair : pairs) {
            String p = pair.trim();
            if (p.isEmpty() || p.startsWith("#")) {
                continue;
            }
            int colon = p.indexOf(':');
            if (colon < 0) {
                throw invalidKeys();
            }
            secrets.put(p.substring(0, colon), p.substring(colon + 1));
        }
        return secrets;
    }

    /**
     * Signing for the tenants of {@code tenantSecrets} (tenant to secret); empty or null: no tenant needs
     * signatures.
     *
     * @throws ConfigException naming SIGNING_KEYS, without showing a secret, for a malformed tenant or a
     *                         secret shorter than 16 characters
     */
    public static PixelSigning of(Map<String, String> tenantSecrets) {
        if (tenantSecrets == null || tenantSecrets.isEmpty()) {
            return NONE;
        }
        Map<String, byte[]> secrets = new HashMap<>();
        for (Map.Entry<String, String> e : tenantSecrets.entrySet()) {
            if (e.getKey() == null || !CounterKey.isValidTenant(e.getKey()) || e.getValue() == null
                    || e.getValue().length() < MIN_SECRET_LENGTH) {
                throw invalidKeys();
            }
            secrets.put(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        return new PixelSigning(Map.copyOf(secrets));
    }

    private static ConfigException invalidKeys() {
        return Settings.invalidSecret("SIGNING_KEYS",
                "tenant:secret pairs (secrets of at least " + MIN_SECRET_LENGTH + " characters), comma-separated, or @file");
    }

    public static PixelSigning none() {
        return NONE;
    }

    public boolean requires(String tenant) {
        return !secrets.isEmpty() && secrets.containsKey(tenant);
    }

    /**
     * The {@code sig} value for a pixel of {@code tenant}/{@code counter} whose query, before
     * {@code sig}, is {@code queryBeforeSig} (empty or null for none).
     */
    public static String sign(String secret, String tenant, String counter, String queryBeforeSig) {
        return HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8),
                message(tenant, counter, queryBeforeSig)));
    }

    /**
     * Null when the pixel carries a valid, unexpired signature; otherwise why not, naming the field.
     * {@code exp} is the decoded {@code exp} parameter of {@code rawQuery} (the first one), or null.
     */
    public String refusal(CounterKey key, String rawQuery, String exp, long nowMillis) {
        return refusal(secrets.get(key.tenant()), key, rawQuery, exp, nowMillis);
    }

    /** As {@link #refusal(CounterKey, String, String, long)}, under {@code secret} (the registry's). */
    public static String refusal(byte[] secret, CounterKey key, String rawQuery, String exp, long nowMillis) {
        int at = rawQuery == null ? -1 : rawQuery.startsWith("sig=") ? 0 : rawQuery.lastIndexOf("&sig=");
        if (at < 0) {
            return "sig: required for this tenant";
        }
        String sig = rawQuery.substring(at + (at == 0 ? 4 : 5));
        if (sig.indexOf('&') >= 0) {
            return "sig: must be the last parameter";
        }
        String before = at == 0 ? "" : rawQuery.substring(0, at);
        if (exp != null) {
            long seconds = parseSeconds(exp);
            if (seconds < 0) {
                return "exp: expected epoch seconds";
            }
            if (seconds * 1000 <= nowMillis) {
                return "exp: the signed URL has expired";
            }
        }
        byte[] expected = HexFormat.of().formatHex(hmac(secret, message(key.tenant(), key.counter(), before)))
                .getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, sig.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return "sig: does not match";
        }
        return null;
    }

    private static long parseSeconds(String s) {
        if (s.isEmpty() || s.length() > 12) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static byte[] message(String tenant, String counter, String queryBeforeSig) {
        String m = queryBeforeSig == null || queryBeforeSig.isEmpty()
                ? tenant + '/' + counter
                : tenant + '/' + counter + '?' + queryBeforeSig;
        return m.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hmac(byte[] secret, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
