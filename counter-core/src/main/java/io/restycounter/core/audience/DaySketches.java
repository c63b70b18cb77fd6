package io.restycounter.core.audience;

import io.restycounter.core.CounterKey;
import io.restycounter.core.UniqueVisitors;
import io.restycounter.core.UniquesPeriod;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's unique visitors: one Apache DataSketches HLL sketch per counter and day
 * ({@value #LG_K} = 16384 buckets, as Redis's, about 0.8% standard error; 4 bits a bucket, so at most
 * about 8 KiB a sketch, a few dozen bytes while it holds few visitors). {@link #flush} hashes the
 * visitors waiting and adds them; {@link #save} writes each day that changed to
 * {@code sketches-yyyy-MM-dd.bin} ({@code rw-------}) by an atomic rename, so a restart keeps them.
 * Days older than the retention are dropped, from memory and from the directory.
 */
public final class DaySketches {

    static final int LG_K = 14;
    private static final Logger LOG = LoggerFactory.getLogger(DaySketches.class);
    private static final int MAGIC = 0x52435531; // "RCU1"
    private static final String PREFIX = "sketches-";
    private static final String SUFFIX = ".bin";

    private final Path dir;
    private final PendingVisits pending;
    private final VisitorHasher hasher;
    private final SaltFiles salts;
    private final Function<String, UniquesPeriod> periods;
    private final ZoneId zone;
    private final Clock clock;
    private final int retainDays;
    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, HllSketch>> days = new ConcurrentHashMap<>();
    private final Set<LocalDate> dirty = ConcurrentHashMap.newKeySet();

    /**
     * Loads the sketches saved in {@code dir} for the last {@code retainDays} days; salts live in
     * {@code dir/salts}. At most {@code maxPending} visitors wait for a flush.
     */
    public DaySketches(Path dir, VisitorPeriods periods, ZoneId zone, Clock clock, int retainDays,
            int maxPending) throws IOException {
        this.dir = dir;
        this.periods = periods.periodOf();
        this.zone = zone;
        this.clock = clock;
        this.retainDays = retainDays;
        SaltFiles.PrivateFiles.directory(dir);
        this.pending = new PendingVisits(maxPending);
        this.salts = new SaltFiles(dir.resolve("salts"), periods, clock);
        this.hasher = new VisitorHasher(salts, periods, clock);
        load();
    }

    /** Saves the sketches this often (and at close): a crash loses at most this much of the uniques. */
    public static final java.time.Duration SAVE_INTERVAL = java.time.Duration.ofSeconds(60);

    private java.util.concurrent.ScheduledExecutorService timer;

    /** Flushes every {@code flushInterval} and saves every {@link #SAVE_INTERVAL} on a daemon thread of its own. */
    public synchronized void start(java.time.Duration flushInterval) {
        timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "uniques-flusher");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::flushQuietly, flushInterval.toMillis(), flushInterval.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::saveQuietly, SAVE_INTERVAL.toMillis(), SAVE_INTERVAL.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Stops the thread, hashes what waits and saves. */
    public void close() {
        java.util.concurrent.ScheduledExecutorService t;
        synchronized (this) {
            t = timer;
            timer = null;
        }
        if (t != null) {
            t.shutdown();
            try {
                t.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushQuietly();
        saveQuietly();
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("unique visitors: flush failed: {}", e.toString());
        }
    }

    private void saveQuietly() {
        try {
            save();
        } catch (IOException | RuntimeException e) {
            LOG.warn("UNIQUES_DIR: cannot save the unique-visitor sketches in {} ({}); retried at the next save",
                    dir, e.toString());
        }
    }

    /** The hot path: keeps references until the next flush. */
    public boolean visit(CounterKey key, LocalDate day, String clientAddress, String userAgent) {
        return pending.add(key, day, clientAddress, userAgent);
    }

    /** Hashes the visitors waiting into their day's sketch; drops days past the retention. One caller at a time. */
    public synchronized void flush() {
        hasher.drain(pending, (key, day, visitor) -> {
            HllSketch s = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>())
                    .computeIfAbsent(key, k -> new HllSketch(LG_K, TgtHllType.HLL_4));
            synchronized (s) {
                s.update(visitor);
            }
            dirty.add(day);
        });
        LocalDate oldest = today().minusDays(retainDays);
        days.keySet().removeIf(d -> d.isBefore(oldest));
        try {
            salts.sweepWhenDue(); // with or without visitors
        } catch (IOException e) {
            LOG.warn("UNIQUES_DIR: cannot delete the salts of ended periods ({}); retried at the next flush", e.toString());
        }
    }

    /** Writes every day that changed since the last save, each file replaced atomically. */
    public synchronized void save() throws IOException {
        for (LocalDate day : List.copyOf(dirty)) {
            dirty.remove(day);
            Map<CounterKey, HllSketch> sketches = days.get(day);
            if (sketches == null) {
                continue;
            }
            Path tmp = dir.resolve(PREFIX + day + SUFFIX + ".tmp");
            Files.deleteIfExists(tmp);
            try (OutputStream raw = newPrivateFile(tmp);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw))) {
                out.writeInt(MAGIC);
                for (Map.Entry<CounterKey, HllSketch> e : sketches.entrySet()) {
                    byte[] bytes;
                    synchronized (e.getValue()) {
                        bytes = e.getValue().toCompactByteArray();
                    }
                    out.writeBoolean(true);
                    out.writeUTF(e.getKey().tenant());
                    out.writeUTF(e.getKey().counter());
                    out.writeInt(bytes.length);
                    out.write(bytes);
                }
                out.writeBoolean(false);
            } catch (IOException e) {
                dirty.add(day);
                throw e;
            }
            Files.move(tmp, dir.resolve(PREFIX + day + SUFFIX), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        deleteFilesBefore(today().minusDays(retainDays));
    }

    /** Unique visitors of {@code key}: per day, and the range's sum of each period's union. */
    public UniqueVisitors uniques(CounterKey key, LocalDate from, LocalDate to) {
        SortedMap<LocalDate, Long> perDay = new TreeMap<>();
        long total = 0;
        for (List<LocalDate> run : PeriodRuns.of(periods.apply(key.tenant()), from, to)) {
            Union union = new Union(LG_K);
            for (LocalDate d : run) {
                Map<CounterKey, HllSketch> m = days.get(d);
                HllSketch s = m == null ? null : m.get(key);
                long n = 0;
                if (s != null) {
                    synchronized (s) {
                        n = Math.round(s.getEstimate());
                        union.update(s);
                    }
                }
                perDay.put(d, n);
            }
            total += Math.round(union.getEstimate());
        }
        return new UniqueVisitors(perDay, total);
    }

    /** Visitors left out of uniques (too many waiting, or no salt), since start. */
    public long leftOut() {
        return pending.dropped() + hasher.leftOut();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), zone);
    }

    private void load() throws IOException {
        LocalDate oldest = today().minusDays(retainDays);
        deleteFilesBefore(oldest);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path f : files) {
                LocalDate day = dayOf(f);
                if (day == null || day.isBefore(oldest)) {
                    continue;
                }
                ConcurrentHashMap<CounterKey, HllSketch> m = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
                int n = 0;
                try (InputStream raw = Files.newInputStream(f);
                        DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
                    if (in.readInt() != MAGIC) {
                        throw new IOException("not a sketch file");
                    }
                    while (in.readBoolean()) {
                        CounterKey key = new CounterKey(in.readUTF(), in.readUTF());
                        byte[] bytes = in.readNBytes(in.readInt());
                        m.put(key, HllSketch.heapify(bytes));
                        n++;
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("UNIQUES_DIR: {} could not be read ({}); unique visitors of {} start from what it held "
                            + "before the error", f, e.getMessage(), day);
                }
                LOG.info("loaded the unique visitors of {} counters on {} from {}", n, day, f);
            }
        }
    }

    private void deleteFilesBefore(LocalDate oldest) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path f : files) {
                LocalDate day = dayOf(f);
                if (day != null && day.isBefore(oldest)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static LocalDate dayOf(Path f) {
        String name = f.getFileName().toString();
        try {
            return LocalDate.parse(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static OutputStream newPrivateFile(Path file) throws IOException {
        try {
            return Files.newOutputStream(Files.createFile(file, java.nio.file.attribute.PosixFilePermissions
                    .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))));
        } catch (UnsupportedOperationException e) {
            return Files.newOutputStream(file);
        }
    }
}
