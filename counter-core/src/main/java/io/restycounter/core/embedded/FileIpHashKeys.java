package io.restycounter.core.embedded;

import io.restycounter.core.IpHashKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * The keys of LOG_IP=hashed for the embedded store (one node): {@code LOG_DIR/ip-hash-key-yyyy-MM-dd}, hex,
 * {@code rw-------}, created whole (written aside, then linked into place, so a reader never sees half a
 * key), deleted once the day's grace ends. Not a log file: the shipper and the aggregation pass it by.
 */
public final class FileIpHashKeys extends IpHashKeys {

    static final String PREFIX = "ip-hash-key-";

    private final Path dir;

    public FileIpHashKeys(Path dir, ZoneId zone, Clock clock) {
        super(zone, clock);
        this.dir = dir;
    }

    Path fileFor(LocalDate day) {
        return dir.resolve(PREFIX + day);
    }

    @Override
    protected String load(LocalDate day, String candidate, long expiresAtMillis) throws IOException {
        Path file = fileFor(day);
        if (Files.exists(file)) {
            return read(file);
        }
        Files.createDirectories(dir);
        Path aside = Files.createTempFile(dir, ".ip-hash-key-", ".tmp", ownerOnly());
        try {
            Files.writeString(aside, candidate, StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, aside);
            } catch (FileAlreadyExistsException e) {
                return read(file);
            } catch (UnsupportedOperationException e) {
                Files.move(aside, file);
            }
        } finally {
            Files.deleteIfExists(aside);
        }
        return candidate;
    }

    private static String read(Path file) throws IOException {
        String hex = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (hex.length() != 64) {
            throw new IOException(file + ": expected 64 hex digits, got " + hex.length() + " characters");
        }
        return hex;
    }

    @Override
    protected void deleteEnded(LocalDate last) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    if (!LocalDate.parse(name.substring(PREFIX.length())).isAfter(last)) {
                        Files.deleteIfExists(f);
                    }
                } catch (DateTimeParseException e) {
                    // Not one of ours.
                }
            }
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }
}
