package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** DailyJob as a {@link Lifecycle}: one thread per start, a bounded stop, nothing left behind. */
class DailyJobTest {

    private static final String NAME = "daily-job-test";

    static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    static void awaitNoThread(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (threadsNamed(name) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, threadsNamed(name), "no thread " + name + " is left");
    }

    private static DailyJob job(DailyJob.Pass pass, Duration stopWait) {
        return new DailyJob(NAME, Duration.ofMinutes(2), Duration.ofMinutes(15), ZoneOffset.UTC, Clock.systemUTC(),
                pass, stopWait);
    }

    @Test
    void startTwiceRunsOnePassOnOneThreadAndStopLeavesNoThread() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        DailyJob job = job(atStart -> {
            passes.incrementAndGet();
            ran.countDown();
            return true;
        }, DailyJob.STOP_WAIT);
        job.start();
        job.start();
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        assertEquals(1, threadsNamed(NAME));
        job.stop();
        job.stop();
        assertEquals(1, passes.get(), "the second start did not run a second pass");
        awaitNoThread(NAME);
    }

    @Test
    void stopBeforeStartIsFine() throws Exception {
        DailyJob job = job(atStart -> true, DailyJob.STOP_WAIT);
        job.stop();
        job.close();
        assertEquals(0, threadsNamed(NAME));
    }

    @Test
    void stopReturnsWithinItsBoundWhileAPassIsBlocked() throws Exception {
        CountDownLatch inPass = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DailyJob job = job(atStart -> {
            inPass.countDown();
            release.await();
            return true;
        }, Duration.ofMillis(300));
        job.start();
        assertTrue(inPass.await(10, TimeUnit.SECONDS));
        long began = System.nanoTime();
        job.stop();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        assertTrue(tookMillis < 5_000, "stop returned after its bound, not when the pass ended: " + tookMillis + " ms");
        assertEquals(1, threadsNamed(NAME), "the blocked pass is left to finish, not killed");
        release.countDown();
        awaitNoThread(NAME);
    }

    /** Issue 19: the daily aggregation waited 15 minutes after Redis came back; now 5 s, doubling, capped. */
    @Test
    void failedPassesAreRetriedSoonThenLessOftenUpToTheCap() {
        DailyJob job = new DailyJob(NAME, Duration.ofMinutes(2), Duration.ofSeconds(5), Duration.ofMinutes(5),
                ZoneOffset.UTC, Clock.systemUTC(), atStart -> true);
        assertEquals(java.util.List.of(5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L),
                java.util.stream.IntStream.range(0, 8).mapToObj(n -> job.retryDelay(n).toSeconds()).toList());
        assertEquals(Duration.ofMinutes(5), job.retryDelay(Integer.MAX_VALUE), "no overflow after days of failures");
        DailyJob fixed = new DailyJob(NAME, Duration.ofMinutes(2), Duration.ofMinutes(15), ZoneOffset.UTC,
                Clock.systemUTC(), atStart -> true);
        assertEquals(Duration.ofMinutes(15), fixed.retryDelay(3), "a job given one retry keeps it");
    }
}
