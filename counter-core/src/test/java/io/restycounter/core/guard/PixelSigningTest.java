package io.restycounter.core.guard;

import io.restycounter.core.ConfigException;
import io.restycounter.core.Settings;
import io.restycounter.core.http.PixelRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelSigningTest {

    private static final String SECRET = "0123456789abcdef-acme";
    private static final PixelSigning SIGNING = PixelSigning.from(Settings.of(Map.of("SIGNING_KEYS", "acme:" + SECRET)));
    private static final long NOW = Instant.parse("2026-11-29T10:00:00Z").toEpochMilli();

    private static PixelRequest parse(String path, String query) {
        return PixelRequest.parse(path, query, 1000, null, SIGNING, NOW);
    }

    @Test
    void aKnownAnswerPinsTheMessageFormat() {
        // echo -n "acme/signup?v=2" | openssl dgst -sha256 -hmac "0123456789abcdef-acme"
        assertEquals("da243b02bdf84f8cd7839e67e291df90bde42acbafe2b42e1253b8ade69524a9",
                PixelSigning.sign(SECRET, "acme", "signup", "v=2"));
    }

    @Test
    void aSignedPixelCountsWithEverythingItSigned() {
        String sig = PixelSigning.sign(SECRET, "acme", "signup", "v=2");
        PixelRequest r = parse("/acme/signup", "v=2&sig=" + sig);
        assertEquals(200, r.status());
        assertEquals(2, r.inc());
        assertEquals(200, parse("/acme/signup", "sig=" + PixelSigning.sign(SECRET, "acme", "signup", "")).status());
        assertEquals(200, parse("/acme/signup", "v=2&sig=" + sig.toUpperCase()).status(), "hex in either case");
    }

    @Test
    void unsignedTamperedOrMisplacedSignaturesAre403AndCountNothing() {
        String sig = PixelSigning.sign(SECRET, "acme", "signup", "v=2");
        for (String[] c : new String[][] {
            {"/acme/signup", null, "sig: required"},
            {"/acme/signup", "v=2", "sig: required"},
            {"/acme/signup", "v=3&sig=" + sig, "sig: does not match"},
            {"/acme/other", "v=2&sig=" + sig, "sig: does not match"},
            {"/acme/signup", "sig=" + sig + "&v=2", "sig: must be the last"},
            {"/acme/signup", "v=2&sig=", "sig: does not match"},
            {"/acme/signup", "v=2&sig=" + PixelSigning.sign("another-secret-123456", "acme", "signup", "v=2"), "sig: does not match"}}) {
            PixelRequest r = parse(c[0], c[1]);
            assertEquals(403, r.status(), c[1]);
            assertNull(r.key(), "nothing to count");
            assertTrue(r.error().startsWith(c[2]), r.error());
        }
    }

    @Test
    void expiryIsSignedAndEnforced() {
        long future = NOW / 1000 + 3600;
        long past = NOW / 1000 - 1;
        String q = "exp=" + future;
        assertEquals(200, parse("/acme/x", q + "&sig=" + PixelSigning.sign(SECRET, "acme", "x", q)).status());
        String old = "exp=" + past;
        PixelRequest expired = parse("/acme/x", old + "&sig=" + PixelSigning.sign(SECRET, "acme", "x", old));
        assertEquals(403, expired.status());
        assertTrue(expired.error().startsWith("exp:"), expired.error());
        String signedFuture = PixelSigning.sign(SECRET, "acme", "x", q);
        assertEquals(403, parse("/acme/x", "exp=" + (future + 1) + "&sig=" + signedFuture).status(), "exp is covered");
    }

    @Test
    void otherTenantsNeedNoSignature() {
        assertEquals(200, parse("/other/x", null).status());
    }

    @Test
    void badSettingsNameTheVariableWithoutTheSecret(@TempDir Path dir) throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> PixelSigning.from(Settings.of(Map.of("SIGNING_KEYS", "acme:short"))));
        assertTrue(e.getMessage().startsWith("SIGNING_KEYS:"), e.getMessage());
        assertFalse(e.getMessage().contains("short"));
        Path file = Files.writeString(dir.resolve("keys"), "# tenants that sign\nacme:" + SECRET + "\n");
        PixelSigning fromFile = PixelSigning.from(Settings.of(Map.of("SIGNING_KEYS", "@" + file)));
        assertEquals(403, PixelRequest.parse("/acme/x", null, 1000, null, fromFile, NOW).status());
    }
}
