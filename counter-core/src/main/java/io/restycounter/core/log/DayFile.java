package io.restycounter.core.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one file of the log that is open: {@code {dir}/yyyy-MM-dd[-node]-access.log} of the current day,
 * opened at the first write and closed when the day changes. Not thread-safe: the writer thread is the
 * file's only writer.
 */
final class DayFile {

    private static final Logger LOG = LoggerFactory.getLogger(DailyFileHitLog.class);
    private static final java.util.Set<StandardOpenOption> OPEN =
            java.util.EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);

    private final Path dir;
    private final String node;
    private LocalDate day;
    private FileChannel channel;
    /** Size of the open file up to its last whole line: where a failed write is cut back to. */
    private long whole;
    /** A failed write could not be cut back: the day's file holds bytes past this that must go first; -1 if none. */
    private long cutAt = -1;

    DayFile(Path dir, String node) {
        this.dir = dir;
        this.node = node;
    }

    Path fileFor(LocalDate d) {
        return dir.resolve(new LogFileName(d, node).toString());
    }

    /** True when lines of {@code d} belong in the file now in use (or about to be opened). */
    boolean isFor(LocalDate d) {
        return d.equals(day);
    }

    /** Closes the current file; the next write opens the file of {@code d}. */
    void switchTo(LocalDate d) {
        close();
        day = d;
        cutAt = -1;
    }

    /**
     * Writes {@code length} bytes (whole lines) all or nothing: a write that fails part way (a full disk
     * takes what fits) is cut back to the last whole line, so writing the same bytes again never tears
     * or repeats a line. On failure the file is closed, to be reopened by the next write.
     */
    void write(byte[] bytes, int length) throws IOException {
        FileChannel c;
        try {
            c = open();
        } catch (IOException e) {
            close();
            throw e;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
            while (b.hasRemaining()) {
                c.write(b);
            }
            whole += length;
        } catch (IOException e) {
            try {
                c.truncate(whole);
            } catch (IOException cut) {
                cutAt = whole;
                e.addSuppressed(cut);
            }
            close();
            throw e;
        }
    }

    private FileChannel open() throws IOException {
        if (channel == null) {
            LogFiles.createDirectories(dir);
            Path path = fileFor(day);
            boolean existed = Files.exists(path);
            // Not APPEND: the channel must also read the last byte. This thread is the file's only writer.
            FileChannel c = FileChannel.open(path, OPEN, LogFiles.fileAttributes());
            try {
                if (existed) {
                    LogFiles.tighten(path); // written by a version that made log files world-readable
                }
                if (cutAt >= 0 && c.size() > cutAt) {
                    c.truncate(cutAt);
                }
                c.position(c.size());
                terminateTornLine(c);
                whole = c.position();
            } catch (IOException e) {
                c.close();
                throw e;
            }
            cutAt = -1;
            channel = c;
        }
        return channel;
    }

    /** A crash can leave a half-written last line; start on a fresh line so the next hit stays whole. */
    private static void terminateTornLine(FileChannel c) throws IOException {
        long size = c.size();
        if (size == 0) {
            return;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        c.read(last, size - 1);
        if (last.get(0) != '\n') {
            c.write(ByteBuffer.wrap(new byte[] {'\n'}));
        }
    }

    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("hit log: closing {} failed: {}", fileFor(day), e.toString());
            }
            channel = null;
        }
    }
}
