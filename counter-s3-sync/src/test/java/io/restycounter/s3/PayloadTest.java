package io.restycounter.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadTest {

    @TempDir
    Path dir;

    @Test
    void plainPayloadIsTheFileWithItsDigests() throws Exception {
        byte[] content = "{\"tenant\":\"acme\"}\n".getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("2026-11-28-access.log"), content);
        try (Payload p = Payload.prepare(file, false, dir.resolve("staging"))) {
            assertEquals(file, p.body());
            assertEquals(content.length, p.length());
            assertEquals(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(content)), p.sha256Base64());
        }
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    void gzipIsDeterministicAndRoundTrips() throws Exception {
        byte[] content = "{\"tenant\":\"acme\",\"counter\":\"home\"}\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("2026-11-28-access.log"), content);
        byte[] first;
        String firstSha;
        try (Payload p = Payload.prepare(file, true, dir.resolve("staging"))) {
            first = Files.readAllBytes(p.body());
            firstSha = p.sha256Base64();
            // The gzip copy holds what the log holds: as closed to others as the log.
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(p.body())));
            assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("staging"))));
            assertEquals(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(first)), firstSha);
        }
        assertFalse(Files.exists(dir.resolve("staging/2026-11-28-access.log.gz.tmp")), "staging file removed");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));
        try (Payload p = Payload.prepare(file, true, dir.resolve("staging"))) {
            assertArrayEquals(first, Files.readAllBytes(p.body()));
            assertEquals(firstSha, p.sha256Base64());
        }
        assertArrayEquals(new byte[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(first, 4, 8), "gzip header mtime");
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(first))) {
            assertArrayEquals(content, in.readAllBytes());
        }
    }

    @Test
    void unreadableSourceFails() {
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Payload.prepare(dir.resolve("missing-access.log"), true, dir.resolve("staging")));
    }
}
