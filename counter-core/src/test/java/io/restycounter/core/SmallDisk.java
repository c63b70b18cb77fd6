package io.restycounter.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a directory (tests run as root), and a filler file that takes its space, so
 * a test can make a real disk full and give space back. A mount that fails fails the test, with one line.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path dir;
    private final Path filler;

    private SmallDisk(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler");
    }

    /** Mounts a tmpfs of {@code kib} KiB on {@code dir}, creating it. */
    public static SmallDisk mount(Path dir, int kib) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", dir.toString());
        if (out != null) {
            throw new AssertionError("cannot mount a " + kib + " KiB tmpfs on " + dir + " (the test needs root): " + out);
        }
        return new SmallDisk(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Fills the disk with the filler file until a write fails, then frees {@code leaveBytes} of it. */
    public void fill(long leaveBytes) throws IOException {
        byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (true) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException full) {
            // the disk is full
        }
        try (FileChannel c = FileChannel.open(filler, StandardOpenOption.WRITE)) {
            c.truncate(Math.max(0, c.size() - leaveBytes));
        }
    }

    /** Gives the filler's space back. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String out = run("umount", "-l", dir.toString());
        if (out != null) {
            throw new AssertionError("cannot unmount " + dir + ": " + out);
        }
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + ": no answer in 30 s";
        }
        String said = new String(p.getInputStream().readAllBytes()).trim();
        return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + said;
    }
}
