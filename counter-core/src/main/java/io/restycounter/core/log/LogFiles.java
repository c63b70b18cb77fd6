package io.restycounter.core.log;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The permissions of what holds client addresses: log directories the counter creates are
 * {@code rwxr-x---} and log files {@code rw-r-----} (the owner writes, a group such as a log shipper's
 * reads, nobody else). A directory that already exists is the operator's and keeps its permissions;
 * a log file of the counter's own that is looser is tightened when it is opened again. On a file
 * system without POSIX permissions nothing is set.
 */
public final class LogFiles {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwxr-x---");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r-----");
    private static final Set<PosixFilePermission> LOOSER_THAN_FILE = EnumSet.complementOf(EnumSet.copyOf(FILE));

    private LogFiles() {
    }

    /** Creates {@code dir} and its missing parents {@code rwxr-x---}; an existing directory is left as it is. */
    public static Path createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        return POSIX ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR))
                : Files.createDirectories(dir);
    }

    /** The attributes a new log file (or a copy of one) is created with: {@code rw-r-----}. */
    public static FileAttribute<?>[] fileAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /** Takes away what {@code rw-r-----} does not allow from a log file of the counter's own. */
    static void tighten(Path file) throws IOException {
        if (!POSIX) {
            return;
        }
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(file);
        if (!java.util.Collections.disjoint(now, LOOSER_THAN_FILE)) {
            Set<PosixFilePermission> tight = EnumSet.copyOf(now);
            tight.removeAll(LOOSER_THAN_FILE);
            Files.setPosixFilePermissions(file, tight);
        }
    }

    /** Whether others than the owner and group may read or enter {@code dir}, for a warning at start. */
    static boolean openToOthers(Path dir) {
        if (!POSIX) {
            return false;
        }
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir);
            return p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.OTHERS_EXECUTE);
        } catch (IOException e) {
            return false;
        }
    }
}
