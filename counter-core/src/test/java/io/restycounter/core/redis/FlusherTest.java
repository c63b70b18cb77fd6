package io.restycounter.core.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.StoreException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FlusherTest {

    private static long flusherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals(Flusher.THREAD_NAME)).count();
    }

    private static Flusher flusher(Flusher.Flush flush, Duration maxBackoff, Duration stopBudget) {
        return new Flusher(flush, Duration.ofMillis(5), Duration.ofMillis(5), maxBackoff, stopBudget, "test", () -> 0);
    }

    private static void awaitNoFlusherBeyond(long before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (flusherThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, flusherThreads(), "the flusher thread ended");
    }

    @Test
    void startingTwiceRunsOneThreadAndStoppingTwiceIsFine() throws Exception {
        long before = flusherThreads();
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        CountDownLatch flushed = new CountDownLatch(5);
        Flusher f = flusher(() -> {
            ranOn.add(Thread.currentThread());
            flushed.countDown();
        }, Duration.ofSeconds(1), Duration.ofSeconds(5));
        f.start();
        f.start();
        assertTrue(flushed.await(10, TimeUnit.SECONDS), "it flushes every interval");
        assertEquals(1, ranOn.size(), "one thread");
        assertEquals(before + 1, flusherThreads());
        assertEquals(Flusher.THREAD_NAME, ranOn.iterator().next().getName());

        f.stop();
        f.stop();
        awaitNoFlusherBeyond(before);
        f.start();
        assertEquals(before, flusherThreads(), "a stopped flusher stays stopped");
    }

    @Test
    void stopBeforeStartIsFine() {
        long before = flusherThreads();
        Flusher f = flusher(() -> { }, Duration.ofSeconds(1), Duration.ofSeconds(5));
        f.stop();
        f.close();
        f.start();
        assertEquals(before, flusherThreads());
    }

    /** Redis down: every flush fails and the flusher backs off; stop does not wait the back-off out. */
    @Test
    void stopWakesAFlusherThatBacksOff() throws Exception {
        long before = flusherThreads();
        AtomicInteger attempts = new AtomicInteger();
        Flusher f = flusher(() -> {
            attempts.incrementAndGet();
            throw new StoreException("Redis is down");
        }, Duration.ofMinutes(10), Duration.ofMinutes(10));
        f.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (attempts.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(attempts.get() >= 3, "it retries");
        long start = System.nanoTime();
        f.stop();
        assertTrue(System.nanoTime() - start < TimeUnit.MINUTES.toNanos(1), "stop woke it instead of waiting");
        awaitNoFlusherBeyond(before);
    }

    /** A flush that hangs (a command to a Redis that never answers): stop returns after its budget. */
    @Test
    void stopIsBoundedByItsBudgetWhenAFlushHangs() throws Exception {
        CountDownLatch inFlush = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Flusher f = flusher(() -> {
            inFlush.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, Duration.ofSeconds(1), Duration.ofMillis(200));
        long before = flusherThreads();
        f.start();
        assertTrue(inFlush.await(10, TimeUnit.SECONDS));
        long start = System.nanoTime();
        f.stop();
        long took = System.nanoTime() - start;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(150) && took < TimeUnit.SECONDS.toNanos(30),
                "stop waited its budget for the flush, not for ever: " + took / 1_000_000 + " ms");
        release.countDown();
        awaitNoFlusherBeyond(before);
    }
}
