package io.restycounter.core.log;

import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.HitLog;
import io.restycounter.core.Lifecycle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each hit as one JSON line to {@code {dir}/yyyy-MM-dd[-node]-access.log}, the day taken from
 * the hit's own time in the configured zone, so the file a hit lands in always matches the day it
 * was counted on.
 *
 * <p>{@link #append} only puts the hit on a bounded lock-free queue; one writer thread,
 * {@code hit-log-writer}, encodes ({@code HitLineEncoder}), looks up the location and writes
 * ({@code DayFile}). While hits keep coming it drains the queue and hands everything to the operating
 * system in one write every 2 ms, so a crash of the JVM loses at most what arrived in the last tick or
 * two (and never more than the queue's capacity).
 *
 * <p>A {@link Lifecycle}: {@link #stop()} (and {@link #close()}) writes what is queued and waits up to
 * {@link #STOP_WAIT} (30 s) for the writer; a writer still busy then is logged and left. A stopped log
 * does not start again.
 */
public final class DailyFileHitLog implements HitLog, Lifecycle {

    public static final int DEFAULT_QUEUE_CAPACITY = 1 << 16;

    /** How long {@link #stop()} waits for the writer to write what is queued. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(30);

    /** Where closed files go once S3 confirmed them ({@code LOG_DIR/shipped}); rebuilds read it too. */
    public static final String SHIPPED_DIR = "shipped";

    private static final Logger LOG = LoggerFactory.getLogger(DailyFileHitLog.class);
    private static final int WRITE_THRESHOLD = 1 << 16;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * While hits keep coming, the writer drains the queue, writes once and sleeps this long: one
     * wake-up and one write() per tick however many hits arrive. It bounds how long a hit waits in
     * memory (the crash-loss window) and spares the request threads from waking the writer.
     */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final Path dir;
    private final int capacity;
    private final DayOfMillis days;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread writer;
    private boolean started;
    private boolean stopped;
    private volatile boolean running;
    private volatile boolean healthy = true;
    /** Set while the writer sleeps, so producers wake it only then rather than on every hit. */
    private volatile boolean writerSleeping;
    /** Set while hits are refused at the queue's capacity, so that is logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();

    // Writer-thread state.
    private final LineBuffer buffer = new LineBuffer(WRITE_THRESHOLD + 8192);
    private final HitLineEncoder encoder;
    private final DayFile file;

    /**
     * @param node    node id for the file name and each line, or null
     * @param geoIp   location lookups for each line; {@link GeoIp#none()} for none
     */
    public DailyFileHitLog(Path dir, ZoneId zone, String node, GeoIp geoIp, int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: expected at least 1, got " + queueCapacity);
        }
        if (node != null && !LogFileName.isValidNode(node)) {
            throw new IllegalArgumentException("node: expected 1 to 64 characters of [A-Za-z0-9_.-], got \"" + node + "\"");
        }
        this.dir = dir;
        this.capacity = queueCapacity;
        this.days = new DayOfMillis(zone);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("LOG_DIR: cannot create " + dir + ": " + e.getMessage(), e);
        }
        encoder = new HitLineEncoder(buffer, node, geoIp);
        file = new DayFile(dir, node);
        writer = new Thread(this::writeLoop, "hit-log-writer");
        writer.setDaemon(true);
    }

    /**
     * Starts the writer thread; a second call does nothing.
     *
     * @throws IllegalStateException when the log was stopped: its queue is no longer written
     */
    @Override
    public synchronized void start() {
        if (stopped) {
            throw new IllegalStateException("hit log: stopped; a stopped log does not start again");
        }
        if (started) {
            return;
        }
        running = true;
        try {
            writer.start();
        } catch (RuntimeException | Error e) {
            running = false;
            throw e;
        }
        started = true;
    }

    public Path directory() {
        return dir;
    }

    /** The file that holds the hits of {@code day} written by this node. */
    public Path fileFor(LocalDate day) {
        return file.fileFor(day);
    }

    @Override
    public boolean append(Hit hit) {
        int before = queued.getAndIncrement();
        if (before >= capacity) {
            queued.decrementAndGet();
            if (!refusing.get() && refusing.compareAndSet(false, true)) {
                LOG.error("LOG_QUEUE_CAPACITY reached: {} hits wait for the writer{}; new hits are refused (503, not counted)",
                        capacity, healthy ? "" : " (" + dir + " is not writable)");
            }
            return false;
        }
        queue.offer(hit);
        if (writerSleeping) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    @Override
    public void flush() {
        if (!writer.isAlive()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        queue.offer(done);
        LockSupport.unpark(writer);
        try {
            if (!done.await(30, TimeUnit.SECONDS)) {
                LOG.warn("hit log: flush still waiting after 30 s ({} hits queued)", queued.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    /** Hits accepted but not yet encoded. */
    public int queued() {
        return queued.get();
    }

    /**
     * Writes what is queued, closes the file and ends the writer, waiting up to {@link #STOP_WAIT}. Before
     * {@link #start()} it only makes sure the log never starts; a second call does nothing.
     */
    @Override
    public void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (!started) {
                return;
            }
            running = false;
        }
        LockSupport.unpark(writer);
        try {
            writer.join(STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.error("hit log: writer did not finish within {} s; {} hits were not written", STOP_WAIT.toSeconds(),
                    queued.get());
        }
    }

    /** The same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private void writeLoop() {
        while (true) {
            boolean drained = drain();
            writeOut();
            if (refusing.get() && refusing.compareAndSet(true, false)) {
                LOG.info("hit log: queue drained; new hits are counted again");
            }
            if (!running && queue.isEmpty()) {
                break;
            }
            if (drained) {
                LockSupport.parkNanos(this, TICK_NANOS);
            } else {
                writerSleeping = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                writerSleeping = false;
            }
        }
        file.close();
    }

    /** Encodes every queued hit into the buffer, writing whenever it fills; false if there was none. */
    private boolean drain() {
        boolean any = false;
        Object next;
        while ((next = queue.poll()) != null) {
            any = true;
            if (next instanceof Hit hit) {
                queued.decrementAndGet();
                try {
                    encode(hit);
                } catch (RuntimeException e) {
                    // A bug must cost one line, not the writer thread and every line after it.
                    LOG.error("hit log: could not encode a hit for {}; it is counted but not logged", hit.key(), e);
                }
                if (buffer.size() >= WRITE_THRESHOLD) {
                    writeOut();
                }
            } else {
                writeOut();
                ((CountDownLatch) next).countDown();
            }
        }
        return any;
    }

    private void encode(Hit hit) {
        LocalDate day = days.dayOf(hit.epochMillis());
        if (!file.isFor(day)) {
            writeOut();
            file.switchTo(day);
        }
        encoder.encode(hit);
    }

    /** Hands the buffer to the file, retrying until it is written or the log is closing. */
    private void writeOut() {
        encoder.flush();
        if (buffer.size() == 0) {
            return;
        }
        int attempts = 0;
        while (true) {
            try {
                file.write(buffer.bytes(), buffer.size());
                buffer.reset();
                if (!healthy) {
                    LOG.info("hit log: writing to {} again", dir);
                    healthy = true;
                }
                return;
            } catch (IOException e) {
                if (healthy) {
                    LOG.error("hit log: cannot write to {}: {}; hits wait in memory and new ones are refused when {} are queued",
                            dir, e.toString(), capacity);
                    healthy = false;
                }
                if (!running && ++attempts >= 3) {
                    LOG.error("hit log: giving up at shutdown; {} bytes of log lines were not written", buffer.size());
                    buffer.reset();
                    return;
                }
                LockSupport.parkNanos(this, RETRY_PARK_NANOS);
            }
        }
    }
}
