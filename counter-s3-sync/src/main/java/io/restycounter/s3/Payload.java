package io.restycounter.s3;

import io.restycounter.core.log.LogFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * The exact bytes one upload sends, with their digests. Plain logs are sent from the file itself;
 * gzip ones are compressed once into a staging file so the digests and the upload see the same
 * bytes. The gzip header of {@link GZIPOutputStream} carries no name and a zero mtime, so the same
 * log always compresses to the same bytes and a re-run finds the object it made before.
 */
final class Payload implements AutoCloseable {

    private final Path body;
    private final long length;
    private final byte[] sha256;
    private final byte[] md5;
    private final boolean staged;

    private Payload(Path body, long length, byte[] sha256, byte[] md5, boolean staged) {
        this.body = body;
        this.length = length;
        this.sha256 = sha256;
        this.md5 = md5;
        this.staged = staged;
    }

    static Payload prepare(Path source, boolean gzip, Path stagingDir) throws IOException {
        MessageDigest sha = digest("SHA-256");
        MessageDigest md5 = digest("MD5");
        if (!gzip) {
            long length;
            try (InputStream in = Files.newInputStream(source);
                 OutputStream out = new DigestOutputStream(new DigestOutputStream(OutputStream.nullOutputStream(), sha), md5)) {
                length = in.transferTo(out);
            }
            return new Payload(source, length, sha.digest(), md5.digest(), false);
        }
        LogFiles.createDirectories(stagingDir);
        Path target = stagingDir.resolve(source.getFileName() + ".gz.tmp");
        try {
            // A copy of a log holds what the log holds: created as tight as the log.
            Files.deleteIfExists(target);
            Files.createFile(target, LogFiles.fileAttributes());
            try (InputStream in = Files.newInputStream(source);
                 OutputStream file = Files.newOutputStream(target);
                 OutputStream gz = new GZIPOutputStream(new DigestOutputStream(new DigestOutputStream(file, sha), md5), 64 * 1024)) {
                in.transferTo(gz);
            }
            return new Payload(target, Files.size(target), sha.digest(), md5.digest(), true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every Java platform", e);
        }
    }

    Path body() {
        return body;
    }

    long length() {
        return length;
    }

    /** SHA-256 of the bytes sent, base64: the form of {@code x-amz-checksum-sha256}. */
    String sha256Base64() {
        return Base64.getEncoder().encodeToString(sha256);
    }

    String md5Base64() {
        return Base64.getEncoder().encodeToString(md5);
    }

    /** MD5 in hex: the ETag S3 gives an object stored by a single PUT without KMS. */
    String md5Hex() {
        return HexFormat.of().formatHex(md5);
    }

    @Override
    public void close() throws IOException {
        if (staged) {
            Files.deleteIfExists(body);
        }
    }
}
