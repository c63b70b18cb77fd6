package io.restycounter.core.audience;

import io.restycounter.core.UniquesPeriod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's salts: one file {@code {tenant}.{period}.salt} (32 hex digits, {@code rw-------})
 * per tenant and period in a directory of their own ({@code rwx------}). A salt file is deleted when its
 * period ends at the tenant's midnight: checked at start and every quarter of an hour.
 */
public final class SaltFiles implements Salts {

    private static final Logger LOG = LoggerFactory.getLogger(SaltFiles.class);
    private static final String SUFFIX = ".salt";

    private final Path dir;
    private final VisitorPeriods periods;
    private final Clock clock;
    private long sweepAt;

    public SaltFiles(Path dir, VisitorPeriods periods, Clock clock) throws IOException {
        this.dir = dir;
        this.periods = periods;
        this.clock = clock;
        PrivateFiles.directory(dir);
        sweep();
    }

    @Override
    public Map<Salt.SaltKey, Salt> resolve(Collection<Salt.SaltKey> keys) throws IOException {
        sweepWhenDue();
        Map<Salt.SaltKey, Salt> out = new HashMap<>();
        for (Salt.SaltKey k : keys) {
            out.put(k, saltOf(k));
        }
        return out;
    }

    private Salt saltOf(Salt.SaltKey k) throws IOException {
        Path file = dir.resolve(k.tenant() + "." + k.period() + SUFFIX);
        for (int attempt = 0; ; attempt++) {
            try {
                return Salt.ofHex(Files.readString(file, StandardCharsets.US_ASCII));
            } catch (java.nio.file.NoSuchFileException e) {
                // first visitor of the period: make one below
            } catch (IllegalArgumentException e) {
                // a salt cut short by a crash while it was written: no visitor was hashed with it
                Files.deleteIfExists(file);
            }
            String hex = Salt.freshHex();
            try {
                PrivateFiles.createFile(file, hex.getBytes(StandardCharsets.US_ASCII));
                if (!k.end().isAfter(clock.instant())) {
                    Files.deleteIfExists(file); // a period already over keeps no salt
                }
                return Salt.ofHex(hex);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 2) {
                    throw e;
                }
            }
        }
    }

    /**
     * Deletes the salt files of ended periods once a quarter of an hour begins: every period ends at the
     * start of a day in its tenant's zone, and zones are whole quarter hours from UTC.
     */
    void sweepWhenDue() throws IOException {
        if (clock.millis() >= sweepAt) {
            sweep();
        }
    }

    /** Deletes the salt files of periods that have ended. */
    void sweep() throws IOException {
        Instant now = clock.instant();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                Instant end = endOf(f.getFileName().toString());
                if (end != null && !end.isAfter(now)) {
                    Files.deleteIfExists(f);
                    LOG.debug("deleted the visitor salt of an ended period: {}", f.getFileName());
                }
            }
        }
        sweepAt = VisitorPeriods.nextQuarterHour(now);
    }

    /** When the period named in a salt file's name ({@code tenant.week-20261130.salt}) ends, or null. */
    private Instant endOf(String name) {
        int dot = name.indexOf('.');
        int dash = name.indexOf('-', dot + 1);
        if (dot < 0 || dash < 0 || !name.endsWith(SUFFIX)) {
            return null;
        }
        try {
            UniquesPeriod p = UniquesPeriod.valueOf(name.substring(dot + 1, dash).toUpperCase(Locale.ROOT));
            String digits = name.substring(dash + 1, name.length() - SUFFIX.length());
            LocalDate start = LocalDate.parse(digits, java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
            return periods.end(name.substring(0, dot), p, start);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Files only their owner may read: salts and sketches. */
    static final class PrivateFiles {

        private PrivateFiles() {
        }

        static void directory(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
            posix(dir, "rwx------");
        }

        /** Creates {@code file} owner-only from its first byte; throws FileAlreadyExistsException when it exists. */
        static void createFile(Path file, byte[] content) throws IOException {
            java.util.Set<StandardOpenOption> options = java.util.EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            java.nio.channels.SeekableByteChannel ch;
            try {
                ch = Files.newByteChannel(file, options,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                ch = Files.newByteChannel(file, options);
            }
            try (java.nio.channels.SeekableByteChannel c = ch) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
        }

        static void posix(Path p, String perms) throws IOException {
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system (Windows): the directory's own access rules apply
            }
        }
    }
}
