package io.restycounter.core.redis;

import io.lettuce.core.api.StatefulConnection;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.Fate;
import io.restycounter.core.StoreException;
import io.restycounter.core.StoreStats;
import io.restycounter.core.TenantCalendar;
import io.restycounter.core.UniqueVisitors;
import io.restycounter.core.audience.PendingVisits;
import io.restycounter.core.audience.VisitorHasher;
import io.restycounter.core.audience.VisitorPeriods;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live counts in Redis: hash {@code rc:{tenant}:yyyyMMdd}, field = counter, value = count; unique
 * visitors in HyperLogLog {@code rcu:{tenant}:yyyyMMdd:{counter}}, fates in hash {@code rcf:{tenant}:yyyyMMdd}
 * ({@code RedisFates}) and hours in hash {@code rch:{tenant}:yyyyMMdd} ({@code RedisHours}), added by the same batches.
 *
 * <p>{@link #increment} only adds to an in-memory delta ({@code PendingDeltas}). A {@code Flusher}
 * sends the deltas every {@link CounterConfig#flushInterval()} as one script call per tenant, by the
 * exactly-once {@code BatchProtocol}: a batch that Redis did not confirm is kept unchanged and retried
 * with back-off, and its tenant gets no new batch meanwhile, while every other tenant keeps flushing
 * ({@code FlushRounds}): nothing is lost, nothing is counted twice.
 *
 * <p>Reads add this node's unsent deltas to what Redis holds. For a batch whose fate is unknown they
 * ask Redis, in the same atomic script as the counts, whether its marker exists.
 *
 * <p>All keys of one tenant share the hash tag {@code {tenant}}, so every script touches one cluster slot.
 * The store's connections ({@code StoreConnections}) share the process's one Lettuce client.
 */
public final class RedisCounterStore implements CounterStore {

    static final int MAX_RANGE_DAYS = 3660;
    /** A replay sends its batches in pipelines of this many, each within the command timeout. */
    private static final int REPLAY_BATCHES_PER_PIPELINE = 64;

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration CLOSE_BUDGET = Duration.ofSeconds(5);

    private final Clock clock;
    private final ZoneId zone;
    private final String where;
    private final RedisLink link;
    private final boolean ownsLink;
    private final StoreConnections connections;
    /** When Redis last confirmed a batch (clock millis): the health check's evidence while hits flow. */
    private volatile long lastConfirmed = Long.MIN_VALUE;
    private final long healthyWithinMillis;

    private final PendingDeltas deltas;
    private final RedisFates fates;
    private final RedisHours hours;
    private final BatchProtocol batches;
    private final FlushRounds rounds;
    private final Flusher flusher;
    private final FlushMeter meter;
    private final CounterIndex index;
    private final LiveRanges liveRanges;
    private final PendingVisits visits;
    private final VisitorHasher hasher;
    private final HashedVisitors hashed;
    private final RedisUniques uniques;
    /** Readers are queries; the writer moves deltas into batches, so a query never sees a hit in both. */
    private final ReentrantReadWriteLock moveLock = new ReentrantReadWriteLock();
    /** Held by whoever builds, sends or confirms batches (the flusher thread, flush(), close()). */
    private final ReentrantLock flushLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisCounterStore(RedisLink link, boolean ownsLink, CounterConfig config, Clock clock,
            VisitorPeriods periods) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.link = Objects.requireNonNull(link, "link");
        this.ownsLink = ownsLink;
        this.zone = config.zone();
        this.where = link.where();
        this.connections = new StoreConnections(link);
        this.healthyWithinMillis = 3 * config.flushInterval().toMillis() + MIN_BACKOFF.toMillis();
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.deltas = new PendingDeltas(config.maxPendingCounters(), where);
        this.fates = new RedisFates(config.maxPendingCounters());
        this.hours = new RedisHours(config.maxPendingCounters());
        this.batches = new BatchProtocol(HexFormat.of().formatHex(id),
                config.nodeId() == null ? CounterArchive.UNNAMED_NODE : config.nodeId(), zone, clock, config.redisExpireDays(),
                config.uniquesKeepDays(), where, this::flushConnection);
        this.meter = new FlushMeter(clock);
        this.index = new CounterIndex(link, deltas, batches, moveLock, this::queryConnection);
        this.liveRanges = new LiveRanges(deltas, batches, new CountReads(where));
        this.visits = new PendingVisits(config.maxPendingVisitors());
        this.uniques = new RedisUniques(this::flushConnection, clock, periods.periodOf(), where);
        this.hasher = new VisitorHasher(uniques, periods, clock);
        this.hashed = new HashedVisitors(config.maxPendingVisitors());
        this.rounds = new FlushRounds(batches, this::drain, deltas::noteRoom, where, link.connector()::disconnects);
        this.flusher = new Flusher(this::flushRound, config.flushInterval(), MIN_BACKOFF, MAX_BACKOFF, CLOSE_BUDGET,
                where, this::pendingHits);
    }

    /**
     * Connects to the Redis of {@code config.redisUrl()} (one server, a Sentinel-managed primary, or a
     * Redis Cluster, as {@link CounterConfig#redisMode()} says) with a client of its own, which
     * {@link #close()} shuts down, and starts the flusher. A Redis that is down at start is no error:
     * hits are kept in memory and sent once it answers.
     */
    public static RedisCounterStore connect(CounterConfig config, Clock clock) {
        RedisLink own = RedisLink.connect(config);
        try {
            return start(new RedisCounterStore(own, true, config, clock,
                    VisitorPeriods.inZone(config.uniquesPeriods(), config.zone())));
        } catch (RuntimeException | Error e) {
            own.close();
            throw e;
        }
    }

    /** As {@link #connect(CounterConfig, Clock)}, on {@code link}'s client, which its owner closes after the store. */
    public static RedisCounterStore connect(RedisLink link, CounterConfig config, Clock clock) {
        return connect(link, config, clock, VisitorPeriods.inZone(config.uniquesPeriods(), config.zone()));
    }

    /** As above, each tenant's unique-visitor periods from {@code periods} (the engine's: registry, then config). */
    public static RedisCounterStore connect(RedisLink link, CounterConfig config, Clock clock, VisitorPeriods periods) {
        return start(new RedisCounterStore(link, false, config, clock, periods));
    }

    private static RedisCounterStore start(RedisCounterStore store) {
        try {
            store.queryConnection();
            store.flushConnection();
            LOG.info("counting in {}", store.where);
        } catch (StoreException e) {
            String m = e.getMessage();
            String reason = m != null && m.startsWith(store.where + ": ") ? m.substring(store.where.length() + 2) : m;
            LOG.warn("{} does not answer at start ({}); counting in memory and trying again every {} s at most "
                    + "until it does", store.where, reason, MAX_BACKOFF.toSeconds());
        }
        try {
            store.flusher.start();
        } catch (RuntimeException | Error e) {
            store.closeConnections();
            throw e;
        }
        return store;
    }

    // ---------------------------------------------------------------- hot path

    @Override
    public boolean increment(CounterKey key, LocalDate day, long by) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(day, "day");
        return deltas.add(key, day, by);
    }

    /** The day's delta and its hour's ({@code RedisHours}), sent in the same batch; one refused refuses both. */
    @Override
    public boolean increment(CounterKey key, LocalDate day, int hour, long by) {
        if (!increment(key, day, by)) {
            return false; // PendingDeltas says so, once, at MAX_PENDING_COUNTERS
        }
        if (!hours.add(key, day, hour, by)) {
            deltas.add(key, day, -by); // its entry was just used: not refused
            return false;
        }
        return true;
    }

    /** A bounded append of references; the flusher hashes the visitor and PFADDs it with the next batch. */
    @Override
    public boolean visit(CounterKey key, LocalDate day, String clientAddress, String userAgent) {
        return visits.add(key, day, clientAddress, userAgent);
    }

    @Override
    public void fate(CounterKey key, LocalDate day, Fate fate) {
        fates.add(key, day, fate.ordinal());
    }

    @Override
    public SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return fatesRanges(key.tenant(), List.of(key.counter()), from, to).get(0);
    }

    @Override
    public List<SortedMap<LocalDate, long[]>> fatesRanges(String tenant, List<String> counters, LocalDate from,
            LocalDate to) throws StoreException {
        return fates.read(queryConnection(), tenant, counters, from, to, where);
    }

    @Override
    public SortedMap<LocalDate, long[]> hours(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        moveLock.readLock().lock();
        try {
            return hours.read(queryConnection(), key, from, to, batches.inFlight(), where);
        } finally {
            moveLock.readLock().unlock();
        }
    }

    @Override
    public SortedMap<String, SortedMap<String, long[]>> dayFates(LocalDate day) throws StoreException {
        return fates.scan(link, queryConnection(), day, where);
    }

    /** PFCOUNTs of the day sketches, in one script call; visitors not flushed yet are not in them. */
    @Override
    public UniqueVisitors uniques(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return uniquesRanges(key.tenant(), List.of(key.counter()), from, to).get(0);
    }

    @Override
    public List<UniqueVisitors> uniquesRanges(String tenant, List<String> counters, LocalDate from, LocalDate to)
            throws StoreException {
        RedisFates.span("uniques", from, to);
        return uniques.read(queryConnection(), tenant, counters, from, to);
    }

    @Override
    public long get(CounterKey key, LocalDate day) throws StoreException {
        return range(key, day, day).get(day);
    }

    @Override
    public SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return ranges(key.tenant(), List.of(key.counter()), from, to).get(0);
    }

    /** Sends every counter's read before awaiting the first: a page of counters costs about one round trip. */
    @Override
    public List<SortedMap<LocalDate, Long>> ranges(String tenant, List<String> counters, LocalDate from, LocalDate to)
            throws StoreException {
        int n = RedisFates.span("range", from, to);
        moveLock.readLock().lock();
        try {
            return liveRanges.read(queryConnection(), tenant, counters, from, n);
        } finally {
            moveLock.readLock().unlock();
        }
    }

    @Override
    public Set<String> counters(String tenant, LocalDate day) throws StoreException {
        return index.counters(tenant, day);
    }

    @Override
    public List<String> counterPage(String tenant, LocalDate day, String prefix, String after, int limit)
            throws StoreException {
        return index.page(tenant, List.of(day), prefix, after, limit);
    }

    @Override
    public List<String> counterPages(String tenant, List<LocalDate> days, String prefix, String after, int limit)
            throws StoreException {
        return index.page(tenant, days, prefix, after, limit);
    }

    @Override
    public Set<String> tenants(LocalDate day) throws StoreException {
        return index.tenants(day);
    }

    /** Healthy when Redis confirmed a batch within a few flush intervals, or answers a PING (see {@code StoreConnections}). */
    @Override
    public boolean healthy() {
        return connections.healthy(lastConfirmed, clock.millis() - healthyWithinMillis, PING_TIMEOUT);
    }

    // ---------------------------------------------------------------- flushing

    /** Sends every count it holds and waits for Redis to confirm; throws when a batch is kept for retry. */
    @Override
    public void flush() throws StoreException {
        meter.time(() -> locked(rounds::flush));
    }

    @Override
    public StoreStats stats() {
        return meter.stats(pendingCounters(), deltas.full());
    }

    /** The flusher's round: never waits for a batch Redis has not answered (see {@code FlushRounds}). */
    private void flushRound() throws StoreException {
        meter.time(() -> locked(rounds::round));
    }

    /** Runs a flush under the flush lock; returns how many (counter, day) entries Redis confirmed. */
    private int locked(FlushMeter.Flush flush) throws StoreException {
        flushLock.lock();
        try {
            int confirmed = flush.run();
            if (confirmed > 0) {
                lastConfirmed = clock.millis();
            }
            return confirmed;
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Moves every non-zero delta into new batches (now in flight) and returns them. Markers confirmed
     * before this point go to {@code deletable}: after the write lock no query can still ask for them.
     */
    List<Batch> drain(List<String> deletable) {
        return drain(deletable, Set.of());
    }

    /** As {@link #drain(List)}, leaving the deltas of the tenants in {@code held} where they are. */
    private List<Batch> drain(List<String> deletable, Set<String> held) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
        hasher.drain(visits, hashed::add); // asks Redis only for the salt of a tenant's new period
        moveLock.writeLock().lock();
        try {
            batches.takeConfirmedMarkers(deletable);
            Map<String, List<Delta>> byTenant = deltas.drain(held);
            hashed.drainInto(byTenant, held);
            fates.drainInto(byTenant, held);
            hours.drainInto(byTenant, held);
            List<Batch> built = batches.build(byTenant, today);
            // Two days back, not one: a tenant's date may run behind TIMEZONE's by up to two.
            deltas.dropDaysBefore(today.minusDays(2), batches::inFlight);
            return built;
        } finally {
            moveLock.writeLock().unlock();
        }
    }

    /** The batch protocol's apply, for tests: does not touch what is in flight. */
    Long[] apply(List<Batch> sent) throws StoreException {
        return batches.apply(sent);
    }

    // ---------------------------------------------------------------- replay

    /**
     * After a crash (SIGKILL, power loss), makes Redis hold what this node's log in {@code config.logDir()}
     * holds for the live days, exactly once (see {@code CrashReplay}). Call before the first hit is
     * counted: a hit counted and not yet logged would look missing from the log. A Redis that does not
     * answer, or a log that cannot be read, skips the replay with one line that says so.
     */
    public void replayLog(CounterConfig config, TenantCalendar calendar) {
        try {
            CrashReplay.Result r = replayLog(config, calendar, LocalDate.ofInstant(clock.instant(), zone));
            if (r.counters() > 0) {
                LOG.warn("replayed the log of node \"{}\" from {} to {} into {}: {} hits added, {} taken back, "
                        + "on {} counters", Objects.toString(config.nodeId(), ""), r.from(), r.to(), where, r.added(),
                        r.takenBack(), r.counters());
            } else if (!r.from().isAfter(r.to())) {
                LOG.info("{} holds what the log holds from {} to {}: nothing to replay", where, r.from(), r.to());
            }
        } catch (StoreException | IOException | RuntimeException e) {
            LOG.warn("REPLAY SKIPPED: the log of node \"{}\" was not compared with {} ({}); counts of a crash "
                    + "before this start may be short or long until the archive closes the day",
                    Objects.toString(config.nodeId(), ""), where, e.getMessage());
        }
    }

    CrashReplay.Result replayLog(CounterConfig config, TenantCalendar calendar, LocalDate today)
            throws StoreException, IOException {
        return new CrashReplay(link, config.nodeId(), calendar).run(today, config.redisExpireDays(), config.logDir(),
                config.countBots(), byTenant -> {
                    flushLock.lock();
                    try {
                        List<Batch> built;
                        moveLock.writeLock().lock();
                        try {
                            built = batches.build(byTenant, today);
                        } finally {
                            moveLock.writeLock().unlock();
                        }
                        for (int i = 0; i < built.size(); i += REPLAY_BATCHES_PER_PIPELINE) {
                            try {
                                batches.confirm(built.subList(i, Math.min(built.size(), i + REPLAY_BATCHES_PER_PIPELINE)));
                            } catch (StoreException e) {
                                LOG.warn("replay: {}; the flusher sends them", e.getMessage());
                            }
                        }
                    } finally {
                        flushLock.unlock();
                    }
                });
    }

    // ---------------------------------------------------------------- closing

    /**
     * Stops the flusher, flushes what is left (retrying for a few seconds), deletes confirmed markers
     * and closes this store's connections; the client too when the store has its own.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        flusher.stop();
        long deadline = System.nanoTime() + CLOSE_BUDGET.toNanos();
        StoreException last = null;
        for (long pause = 200; ; pause *= 2) {
            try {
                flush();
                last = null;
                break;
            } catch (StoreException e) {
                last = e;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > deadline || Thread.currentThread().isInterrupted()) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pause));
        }
        if (last != null) {
            LOG.error("REDIS DOWN AT CLOSE: {} hits in {} counters did not reach {} and are missing "
                    + "from its live counts (the hit log has them): {}", pendingHits(), pendingCounters(), where,
                    last.getMessage());
        } else {
            List<String> deletable = new ArrayList<>();
            flushLock.lock();
            try {
                moveLock.writeLock().lock();
                moveLock.writeLock().unlock();
                batches.takeConfirmedMarkers(deletable);
                BatchProtocol.awaitQuietly(batches.deleteMarkers(deletable));
            } finally {
                flushLock.unlock();
            }
        }
        closeConnections();
        if (ownsLink) {
            link.close();
        }
    }

    private void closeConnections() {
        connections.closeAll();
    }

    /** Hits this node counted that Redis has not confirmed. */
    long pendingHits() {
        return deltas.hits() + Batch.hits(batches.inFlight());
    }

    private long pendingCounters() {
        return deltas.counters() + Batch.entries(batches.inFlight());
    }

    /** Distinct (counter, day) delta entries held; a new one past {@link CounterConfig#maxPendingCounters()} is refused. */
    int deltaEntries() {
        return deltas.entries();
    }

    List<Batch> unconfirmed() {
        return List.copyOf(batches.inFlight());
    }

    /** The flusher, for tests of its lifecycle. */
    Flusher flusher() {
        return flusher;
    }

    private StatefulConnection<String, String> flushConnection() throws StoreException {
        return connections.get(StoreConnections.Role.FLUSH);
    }

    private StatefulConnection<String, String> queryConnection() throws StoreException {
        return connections.get(StoreConnections.Role.QUERY);
    }

    /** The connection queries read on, for tests that hold it busy. */
    StatefulConnection<String, String> queryConnectionForTest() throws StoreException {
        return queryConnection();
    }
}
