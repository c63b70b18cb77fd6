package io.restycounter.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;

/** Files replaced whole: readers see the old content or the new, never half of it, even after a crash. */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Writes {@code text} (UTF-8) to a temporary file beside {@code file}, forces it to disk, then
     * renames it over {@code file}.
     *
     * @param attributes for the temporary file, and so for the result (owner-only permissions, say)
     */
    public static void write(Path file, String text, FileAttribute<?>... attributes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attributes);
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            replace(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames {@code from} over {@code to}, atomically where the file system can. */
    public static void replace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
