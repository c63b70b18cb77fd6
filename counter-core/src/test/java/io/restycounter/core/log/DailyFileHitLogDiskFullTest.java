package io.restycounter.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.SmallDisk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer on a real full disk: a 256 KiB tmpfs whose space a filler file takes and gives back. */
class DailyFileHitLogDiskFullTest {

    private static final Instant AT = Instant.parse("2026-11-29T10:00:00Z");
    /** Lines of about 1 KiB, so one write of a few of them needs more than the disk has left. */
    private static final String UA = "x".repeat(1000);

    @TempDir
    Path dir;

    private static Hit hit(int n) {
        return DailyFileHitLogTest.hit(AT, "n" + n, UA);
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(10);
        }
    }

    /** The counters of the file's lines; fails if the file holds anything but whole JSON lines. */
    private static List<String> counters(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.isEmpty() || text.endsWith("\n"), "no torn line at the end: ..."
                + text.substring(Math.max(0, text.length() - 80)));
        List<String> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            out.add(DailyFileHitLogTest.parseLine(line).get("counter"));
        }
        return out;
    }

    @Test
    void aWriteThatFailsHalfwayLeavesNoTornLineAndTheRetryWritesEachLineOnce() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 256)) {
            DailyFileHitLog log = new DailyFileHitLog(disk.dir().resolve("logs"), ZoneOffset.UTC, null, GeoIp.none(), 10_000);
            Path file = log.fileFor(LocalDate.parse("2026-11-29"));
            log.start();
            try {
                List<String> accepted = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    assertTrue(log.append(hit(i)));
                    accepted.add("n" + i);
                }
                log.flush();
                disk.fill(6_000);
                for (int i = 5; i < 105; i++) {
                    if (log.append(hit(i))) {
                        accepted.add("n" + i);
                    }
                }
                await("a write failed", () -> !log.healthy());
                assertFalse(log.append(hit(1_000)), "while the log cannot be written, a new hit is refused at once");
                List<String> meanwhile = counters(file);
                assertTrue(meanwhile.size() < accepted.size(), "the disk took only part: " + meanwhile.size());
                assertEquals(accepted.subList(0, meanwhile.size()), meanwhile, "whole lines only, in order");

                disk.free();
                await("writing again once the disk has room", log::healthy);
                log.flush();
                assertEquals(accepted, counters(file), "every accepted line exactly once, none torn");
                assertTrue(log.append(hit(2_000)), "hits are taken again");
            } finally {
                log.stop();
            }
        }
    }

    @Test
    void countsOfHitsTheDiskNeverTookAreTakenBackAtStopInOneLine() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 256)) {
            DailyFileHitLog log = new DailyFileHitLog(disk.dir().resolve("logs"), ZoneOffset.UTC, null, GeoIp.none(), 10_000);
            Path file = log.fileFor(LocalDate.parse("2026-11-29"));
            List<String> takenBack = Collections.synchronizedList(new ArrayList<>());
            log.takeBackWith(h -> takenBack.add(h.key().counter()));
            log.start();
            for (int i = 0; i < 3; i++) {
                assertTrue(log.append(hit(i)));
            }
            log.flush();
            disk.fill(0);
            List<String> accepted = new ArrayList<>();
            for (int i = 3; i < 53; i++) {
                if (log.append(hit(i))) {
                    accepted.add("n" + i);
                }
            }
            await("a write failed", () -> !log.healthy());

            PrintStream err = System.err;
            ByteArrayOutputStream said = new ByteArrayOutputStream();
            System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
            try {
                log.stop();
            } finally {
                System.setErr(err);
            }
            String out = said.toString(StandardCharsets.UTF_8);
            err.print(out);

            assertEquals(accepted, takenBack, "each hit the disk never took is taken back, once");
            assertEquals(List.of("n0", "n1", "n2"), counters(file), "what was written stays, nothing else");
            List<String> lines = out.lines().filter(l -> l.contains("were not written")).toList();
            assertEquals(1, lines.size(), "one line at shutdown:\n" + out);
            assertTrue(lines.get(0).contains(accepted.size() + " hits were not written and their counts were taken back"),
                    lines.get(0));
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.isAlive() && t.getName().equals("hit-log-writer")), "the writer ended within stop");
        }
    }
}
