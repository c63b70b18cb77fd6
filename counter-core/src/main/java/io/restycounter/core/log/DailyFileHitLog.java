package io.restycounter.core.log;

import io.restycounter.core.FileErrors;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Hit;
import io.restycounter.core.HitLog;
import io.restycounter.core.HitLog.TakeBack;
import io.restycounter.core.IpHashKeys;
import io.restycounter.core.Lifecycle;
import io.restycounter.core.LogStats;
import io.restycounter.core.PrivacyPolicy;
import io.restycounter.core.TenantPrivacy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * <p>A write that fails (full disk, read-only file system, removed directory) is cut back to the last
 * whole line and retried every second with the same lines; until one succeeds {@link #append} refuses
 * every hit, so no new hit is counted that only lives in memory. The hits accepted before are written
 * once the disk takes them; if it still refuses at {@link #stop()}, their counts are taken back through
 * {@link #takeBackWith} and one line says how many.
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
    /** Writes tried once the log is stopping before the lines still waiting are given up (about 2 s). */
    private static final int STOP_ATTEMPTS = 3;
    /**
     * While hits keep coming, the writer drains the queue, writes once and sleeps this long: one
     * wake-up and one write() per tick however many hits arrive. It bounds how long a hit waits in
     * memory (the crash-loss window) and spares the request threads from waking the writer.
     */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** How often the writer forgets (and deletes) the LOG_IP=hashed keys of ended days. */
    private static final long FORGET_KEYS_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Path dir;
    private final int capacity;
    private final DayOfMillis days;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    /** Written by the writer thread alone, read by a metrics scrape. */
    private volatile long writes;
    private volatile long writeNanos;
    private final Thread writer;
    private boolean started;
    private boolean stopped;
    private volatile boolean running;
    private volatile boolean healthy = true;
    /** Set while the writer sleeps, so producers wake it only then rather than on every hit. */
    private volatile boolean writerSleeping;
    /** Set while hits are refused at the queue's capacity, so that is logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();
    private TakeBack takeBack = hit -> true;

    // Writer-thread state.
    private final LineBuffer buffer = new LineBuffer(WRITE_THRESHOLD + 8192);
    private final HitLineEncoder encoder;
    private final DayFile file;
    private final IpHashKeys ipHashKeys;
    private long forgetKeysAt;
    /** The hits whose lines are in the buffer, not yet in the file. */
    private final List<Hit> unwritten = new ArrayList<>();
    /** Stopping, and the disk still refused: what is left is taken back, not written. */
    private boolean givingUp;
    private long givenUp;
    private long notTakenBack;

    /**
     * @param node    node id for the file name and each line, or null
     * @param geoIp   location lookups for each line; {@link GeoIp#none()} for none
     */
    public DailyFileHitLog(Path dir, ZoneId zone, String node, GeoIp geoIp, int queueCapacity) {
        this(dir, zone, node, geoIp, queueCapacity, TenantPrivacy.everyTenant(PrivacyPolicy.STANDARD),
                IpHashKeys.unavailable());
    }

    /**
     * @param privacy    each tenant's LOG_IP, asked per line
     * @param ipHashKeys the keys of the day for LOG_IP=hashed; the writer forgets ended ones once a minute
     */
    public DailyFileHitLog(Path dir, ZoneId zone, String node, GeoIp geoIp, int queueCapacity,
            TenantPrivacy privacy, IpHashKeys ipHashKeys) {
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
            LogFiles.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("LOG_DIR: " + FileErrors.cannotCreate(dir, e), e);
        }
        if (LogFiles.openToOthers(dir)) {
            LOG.warn("LOG_DIR {} may be listed by any user; its log files are rw-r-----, but `chmod o-rwx` it to hide "
                    + "their names too (the counter creates its directories rwxr-x---, and leaves an existing one as it is)",
                    dir);
        }
        this.ipHashKeys = Objects.requireNonNull(ipHashKeys, "ipHashKeys");
        encoder = new HitLineEncoder(buffer, node, geoIp, Objects.requireNonNull(privacy, "privacy"), ipHashKeys);
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

    /** @throws IllegalStateException once the log has started */
    @Override
    public synchronized void takeBackWith(TakeBack takeBack) {
        if (started || stopped) {
            throw new IllegalStateException("hit log: takeBackWith must be set before start");
        }
        this.takeBack = Objects.requireNonNull(takeBack, "takeBack");
    }

    @Override
    public boolean append(Hit hit) {
        if (!healthy) {
            return false;
        }
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

    @Override
    public LogStats stats() {
        return new LogStats(queued.get(), writes, writeNanos);
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
        forgetKeysAt = System.nanoTime();
        while (true) {
            forgetEndedKeys();
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
        if (givenUp > 0) {
            LOG.error("hit log: giving up at shutdown, {} cannot be written: {} hits were not written and their counts "
                    + "were taken back{}", dir, givenUp,
                    notTakenBack == 0 ? "" : " (the store refused to take back " + notTakenBack + " of them)");
        }
    }

    /** Once a minute (and first thing): keys of ended days leave memory and their file. */
    private void forgetEndedKeys() {
        long now = System.nanoTime();
        if (now - forgetKeysAt >= 0) {
            forgetKeysAt = now + FORGET_KEYS_NANOS;
            try {
                ipHashKeys.forgetEnded();
            } catch (RuntimeException e) {
                LOG.warn("hit log: could not forget the hash keys of ended days", e);
            }
        }
    }

    /** Encodes every queued hit into the buffer, writing whenever it fills; false if there was none. */
    private boolean drain() {
        boolean any = false;
        Object next;
        while ((next = queue.poll()) != null) {
            any = true;
            if (next instanceof Hit hit) {
                queued.decrementAndGet();
                if (givingUp) {
                    giveUp(hit);
                    continue;
                }
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
            if (givingUp) {
                giveUp(hit);
                return;
            }
            file.switchTo(day);
        }
        encoder.encode(hit, day);
        unwritten.add(hit);
    }

    private void giveUp(Hit hit) {
        givenUp++;
        try {
            if (!takeBack.takeBack(hit)) {
                notTakenBack++;
            }
        } catch (RuntimeException e) {
            notTakenBack++;
            LOG.error("hit log: could not take back the count of a hit for {}", hit.key(), e);
        }
    }

    /**
     * Hands the buffer to the file, retrying until it is written or, once the log is stopping, giving
     * its hits up after {@link #STOP_ATTEMPTS} tries.
     */
    private void writeOut() {
        encoder.flush();
        if (buffer.size() == 0) {
            unwritten.clear();
            return;
        }
        int attempts = 0;
        while (true) {
            try {
                long started = System.nanoTime();
                file.write(buffer.bytes(), buffer.size());
                writeNanos += System.nanoTime() - started;
                writes++;
                buffer.reset();
                unwritten.clear();
                if (!healthy) {
                    healthy = true;
                    LOG.info("hit log: writing to {} again; new hits are counted again", dir);
                }
                return;
            } catch (IOException e) {
                if (healthy) {
                    healthy = false;
                    LOG.error("hit log: cannot write to {}: {}; new hits are refused (503, not counted) until it can; "
                            + "the {} waiting are retried every second", dir, e.toString(), unwritten.size() + queued.get());
                }
                if (!running && ++attempts >= STOP_ATTEMPTS) {
                    givingUp = true;
                    buffer.reset();
                    unwritten.forEach(this::giveUp);
                    unwritten.clear();
                    return;
                }
                LockSupport.parkNanos(this, RETRY_PARK_NANOS);
            }
        }
    }
}
