package io.restycounter.core.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TENANTS file: read with comments, edited while running, rewritten by the command without losing tenants. */
class TenantRegistryTest {

    @TempDir
    Path dir;

    private static final String FILE = """
            # our tenants
            [acme]  # the first
            max-new-counters-per-day = 50_000
            counters = ["home", "blog-*"]   # only these
            time-zone = "Europe/Paris"

            [beta]
            """;

    @Test
    void aTomlFileWithCommentsGivesOneTenantPerTable() throws Exception {
        Path file = dir.resolve("tenants.toml");
        Files.writeString(file, FILE);
        try (TenantRegistry r = TenantRegistry.start(new FileTenantSource(file), false, null, true)) {
            assertEquals(Set.of("acme", "beta"), r.tenants().keySet());
            assertEquals(50_000L, r.find("acme").maxNewCountersPerDay());
            assertTrue(r.find("acme").counters().allows("blog-x"));
            assertNull(r.find("beta").counters());
            assertNull(r.find("gamma"));
            assertTrue(r.admits("beta"));
            assertFalse(r.admits("gamma"), "OPEN_TENANTS=false");
        }
    }

    @Test
    void aMissingFileIsAnEmptyRegistryAndAppearsWhenWritten() throws Exception {
        Path file = dir.resolve("sub/tenants.toml");
        try (TenantRegistry r = TenantRegistry.start(new FileTenantSource(file), true, null, true)) {
            assertTrue(r.tenants().isEmpty());
            assertTrue(r.admits("anyone"), "OPEN_TENANTS=true");
            Files.createDirectories(file.getParent());
            Files.writeString(file, FILE);
            assertTrue(r.reloadIfChanged());
            assertNotNull(r.find("acme"));
            assertFalse(r.reloadIfChanged(), "read again only when the file changed");
        }
    }

    @Test
    void aFileEditedWhileRunningIsReadByTheBackgroundPoll() throws Exception {
        Path file = dir.resolve("tenants.toml");
        Files.writeString(file, FILE);
        try (TenantRegistry r = TenantRegistry.start(new FileTenantSource(file), false, java.time.Duration.ofMillis(50), true)) {
            Files.writeString(file, FILE + "\n[gamma]\nmax-hits-per-second = 5\n");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (r.find("gamma") == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(5, r.find("gamma").maxHitsPerSecond());
        }
    }

    @Test
    void aBadEditKeepsTheLastGoodTenantsAndABadFileStopsTheStart() throws Exception {
        Path file = dir.resolve("tenants.toml");
        Files.writeString(file, FILE);
        try (TenantRegistry r = TenantRegistry.start(new FileTenantSource(file), false, null, true)) {
            Files.writeString(file, "[acme]\nprivacy = \"loose\"\n");
            StoreException e = assertThrows(StoreException.class, r::reloadIfChanged);
            assertEquals("TENANTS: " + file + ": tenant acme: privacy: expected standard or respect-signals, got \"loose\"",
                    e.getMessage());
            assertEquals(Set.of("acme", "beta"), r.tenants().keySet(), "the last good snapshot stays");
        }
        Files.writeString(file, "acme = 3\n");
        StoreException e = assertThrows(StoreException.class,
                () -> TenantRegistry.start(new FileTenantSource(file), true, null, true));
        assertTrue(e.getMessage().contains("expected one table per tenant"), e.getMessage());
    }

    @Test
    void theCommandsRewriteKeepsEveryOtherTenantAndTheFileOwnerOnly() throws Exception {
        Path file = dir.resolve("tenants.toml");
        Files.writeString(file, FILE);
        FileTenantSource source = new FileTenantSource(file);
        source.update("acme", false, t -> t.with("signing-secret", "a \"quoted\" secret\\ of 24"));
        source.update("delta", true, t -> t.with("keys", List.of("b".repeat(64))));
        assertThrows(TenantSource.UnknownTenantException.class, () -> source.update("zeta", false, t -> t));
        assertThrows(IllegalArgumentException.class, () -> source.update("beta", false, t -> t.with("privacy", "x")));
        var tenants = source.load();
        assertEquals(Set.of("acme", "beta", "delta"), tenants.keySet());
        assertEquals("a \"quoted\" secret\\ of 24", tenants.get("acme").signingSecret());
        assertEquals(List.of("home", "blog-*"), tenants.get("acme").counters().rules());
        assertEquals(Set.of("b".repeat(64)), tenants.get("delta").keyDigests());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(source.remove("beta"));
        assertFalse(source.remove("beta"));
        assertEquals(Set.of("acme", "delta"), source.load().keySet());
    }
}
