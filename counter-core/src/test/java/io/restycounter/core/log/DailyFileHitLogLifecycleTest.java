package io.restycounter.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.GeoIp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log writer as a {@link io.restycounter.core.Lifecycle}, on a real directory. */
class DailyFileHitLogLifecycleTest {

    private static final String WRITER = "hit-log-writer";

    @TempDir
    Path dir;

    private static long writers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(WRITER)).count();
    }

    @Test
    void startTwiceStartsOneWriterAndStopEndsIt() throws Exception {
        long before = writers();
        DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 16);
        log.start();
        log.start(); // used to throw IllegalThreadStateException
        assertEquals(before + 1, writers());
        assertTrue(log.append(DailyFileHitLogTest.hit(Instant.parse("2026-11-29T10:00:00Z"), "a", null)));
        log.stop();
        log.stop();
        log.close();
        assertEquals(before, writers(), "the writer ended within stop");
        assertEquals(1, Files.readAllLines(log.fileFor(LocalDate.parse("2026-11-29"))).size(), "stop wrote the queue");
    }

    @Test
    void stopBeforeStartIsFineAndTheLogThenNeverStarts() {
        long before = writers();
        DailyFileHitLog log = new DailyFileHitLog(dir, ZoneOffset.UTC, null, GeoIp.none(), 16);
        log.stop();
        log.close();
        assertThrows(IllegalStateException.class, log::start, "a stopped log would queue hits nobody writes");
        assertEquals(before, writers());
    }

    @Test
    void stopReturnsWhileTheDirectoryRefusesWritesAndLeavesNoWriter() throws Exception {
        long before = writers();
        Path logDir = dir.resolve("logs");
        DailyFileHitLog log = new DailyFileHitLog(logDir, ZoneOffset.UTC, null, GeoIp.none(), 16);
        log.start();
        // A file where the log directory was: every write fails and the writer retries.
        Files.delete(logDir);
        Files.writeString(logDir, "not a directory");
        assertTrue(log.append(DailyFileHitLogTest.hit(Instant.parse("2026-11-29T10:00:00Z"), "a", null)));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (log.healthy() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!log.healthy(), "the write failed");
        log.stop(); // gives up after a few attempts at shutdown, well within STOP_WAIT
        assertEquals(before, writers());
    }
}
