package io.restycounter.core.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.CounterStore;
import io.restycounter.core.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live counts in Redis: hash {@code rc:{tenant}:yyyyMMdd}, field = counter, value = count.
 *
 * <p>{@link #increment} only adds to an in-memory delta. A flusher thread sends the deltas every
 * {@link CounterConfig#flushInterval()} as one script call per tenant (at most {@value #MAX_BATCH_ENTRIES}
 * counters each). The script first sets a marker key unique to the batch, so a batch sent twice (its
 * reply was lost, it is retried) is applied once. A batch that Redis did not confirm is kept unchanged
 * and retried with back-off before any new batch is built: nothing is lost, nothing is counted twice.
 * A confirmed marker is deleted, unless an earlier attempt of its batch failed: a copy of that attempt
 * may still arrive (after a reconnect, or at a promoted replica), so the marker stays until its TTL.
 *
 * <p>Reads add this node's unsent deltas to what Redis holds. For a batch whose fate is unknown they
 * ask Redis, in the same atomic script as the counts, whether its marker exists.
 *
 * <p>All keys of one tenant share the hash tag {@code {tenant}}, so every script touches one cluster slot.
 */
public final class RedisCounterStore implements CounterStore {

    static final int MAX_BATCH_ENTRIES = 1000;
    /** How long a batch marker outlives a crash between apply and confirm; confirmed markers are deleted. */
    static final long MARKER_TTL_SECONDS = 86_400;
    static final int MAX_RANGE_DAYS = 3660;

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration CLOSE_BUDGET = Duration.ofSeconds(5);
    private static final DateTimeFormatter DAY_FORMAT = DateTimeFormatter.BASIC_ISO_DATE;

    /**
     * KEYS[1] marker, KEYS[2..] day hashes. ARGV[1] marker TTL, ARGV[2..#KEYS] EXPIREAT per day hash
     * (0 = leave), then triples (index into KEYS, field, increment).
     * <p>Each day hash is read once (HMGET) and written once (HSET) whatever the number of counters in
     * the batch, instead of one HINCRBY per counter: Redis runs a handful of commands per flush. The
     * script is atomic, so read-add-write is as safe as HINCRBY; a field that holds no integer fails
     * the batch before anything is written, and the marker goes with it, so a retry is not mistaken
     * for a batch already applied. Lua numbers are doubles: exact to 2^53, far past any day's count.
     */
    static final String APPLY_SCRIPT = """
            if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
              return 0
            end
            local n = #KEYS
            local fields, incs, seen = {}, {}, {}
            for i = 2, n do
              fields[i], incs[i], seen[i] = {}, {}, {}
            end
            for i = n + 1, #ARGV, 3 do
              local k, field, by = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
              local at = seen[k][field]
              if at then
                incs[k][at] = incs[k][at] + by
              else
                local f = fields[k]
                f[#f + 1] = field
                incs[k][#f] = by
                seen[k][field] = #f
              end
            end
            local writes = {}
            for i = 2, n do
              local f = fields[i]
              if #f > 0 then
                local current = redis.call('HMGET', KEYS[i], unpack(f))
                local kv = {}
                for j = 1, #f do
                  local base = 0
                  if current[j] then
                    base = tonumber(current[j])
                    if not base or string.find(current[j], '^-?%d+$') == nil then
                      redis.call('DEL', KEYS[1])
                      return redis.error_reply('ERR ' .. KEYS[i] .. ' ' .. f[j] .. ' holds no integer')
                    end
                  end
                  kv[2 * j - 1] = f[j]
                  kv[2 * j] = string.format('%d', base + incs[i][j])
                end
                writes[i] = kv
              end
            end
            for i = 2, n do
              if writes[i] then
                redis.call('HSET', KEYS[i], unpack(writes[i]))
              end
              if ARGV[i] ~= '0' then
                redis.call('EXPIREAT', KEYS[i], ARGV[i])
              end
            end
            return 1
            """;

    /** KEYS[1..ARGV[2]] day hashes, then batch markers. ARGV[1] field. Counts as strings, then 0/1 per marker. */
    static final String READ_SCRIPT = """
            local n = tonumber(ARGV[2])
            local out = {}
            for i = 1, n do
              out[i] = redis.call('HGET', KEYS[i], ARGV[1]) or '0'
            end
            for i = n + 1, #KEYS do
              out[i] = redis.call('EXISTS', KEYS[i])
            end
            return out
            """;

    private static final String APPLY_SHA = sha1(APPLY_SCRIPT);
    private static final String READ_SHA = sha1(READ_SCRIPT);

    private final Clock clock;
    private final ZoneId zone;
    private final int expireDays;
    private final int maxPending;
    private final Duration flushInterval;
    private final String where;
    private final String writerId;

    private final RedisConnector connector;
    private final Object connectLock = new Object();
    private volatile StatefulConnection<String, String> flushConnection;
    private volatile StatefulConnection<String, String> queryConnection;

    private final ConcurrentHashMap<LocalDate, ConcurrentHashMap<CounterKey, PendingCount>> deltas =
            new ConcurrentHashMap<>();
    private final AtomicInteger entries = new AtomicInteger();
    /** Readers are queries; the writer moves deltas into batches, so a query never sees a hit in both. */
    private final ReentrantReadWriteLock moveLock = new ReentrantReadWriteLock();
    /** Built and not yet confirmed by Redis, in the order built. */
    private final List<Batch> unconfirmed = new CopyOnWriteArrayList<>();

    // Owned by whoever holds flushLock (the flusher thread, flush(), close()).
    private final ReentrantLock flushLock = new ReentrantLock();
    private final List<String> confirmedMarkers = new ArrayList<>();
    private final Set<String> expirySet = new HashSet<>();
    private LocalDate expiryDay;
    private long seq;

    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set while new counters are refused at MAX_PENDING_COUNTERS, so that is logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();
    private volatile boolean running;
    private Thread flusher;

    private RedisCounterStore(CounterConfig config, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.zone = config.zone();
        this.expireDays = config.redisExpireDays();
        this.maxPending = config.maxPendingCounters();
        this.flushInterval = config.flushInterval();
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.writerId = HexFormat.of().formatHex(id);
        this.connector = RedisConnector.create(config, COMMAND_TIMEOUT, MIN_BACKOFF, MAX_BACKOFF);
        this.where = connector.where();
    }

    /**
     * Connects to the Redis of {@code config.redisUrl()} (one server, a Sentinel-managed primary, or a
     * Redis Cluster, as {@link CounterConfig#redisMode()} says) and starts the flusher. A Redis that is
     * down at start is no error: hits are kept in memory and sent once it answers.
     */
    public static RedisCounterStore connect(CounterConfig config, Clock clock) {
        RedisCounterStore store = new RedisCounterStore(config, clock);
        store.start();
        return store;
    }

    private void start() {
        try {
            queryConnection();
            flushConnection();
            LOG.info("counting in {}", where);
        } catch (StoreException e) {
            LOG.warn("{} does not answer at start; counting in memory until it does", where);
        }
        running = true;
        flusher = new Thread(this::runFlusher, "redis-flusher");
        flusher.setDaemon(true);
        flusher.start();
    }

    // ---------------------------------------------------------------- hot path

    @Override
    public boolean increment(CounterKey key, LocalDate day, long by) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(day, "day");
        return add(key, day, by, true);
    }

    private boolean add(CounterKey key, LocalDate day, long by, boolean bounded) {
        ConcurrentHashMap<CounterKey, PendingCount> counts = deltas.get(day);
        if (counts == null) {
            counts = deltas.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
        }
        PendingCount adder = counts.get(key);
        boolean created = adder == null;
        if (created) {
            if (bounded && entries.get() >= maxPending) {
                if (refusing.compareAndSet(false, true)) {
                    LOG.error("MAX_PENDING_COUNTERS reached: {} counters wait for Redis at {}; hits on new counters "
                            + "are refused (503, not counted, not logged) until Redis takes counts again",
                            entries.get(), where);
                }
                return false;
            }
            adder = counts.computeIfAbsent(key, k -> {
                entries.incrementAndGet();
                return new PendingCount();
            });
        }
        adder.add(by);
        if (adder.retired || created && deltas.get(day) != counts) {
            // The flusher dropped this idle counter, or the old day it sits in, meanwhile: move what
            // landed in it. A delta created in a dropped day's map is retired here, by its creator.
            adder.retired = true;
            long orphan = adder.sumThenReset();
            if (orphan != 0) {
                add(key, day, orphan, false);
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public long get(CounterKey key, LocalDate day) throws StoreException {
        return range(key, day, day).get(day);
    }

    @Override
    public SortedMap<LocalDate, Long> range(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        Objects.requireNonNull(key, "key");
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("range: " + to + " is before " + from);
        }
        long span = ChronoUnit.DAYS.between(from, to) + 1;
        if (span > MAX_RANGE_DAYS) {
            throw new IllegalArgumentException("range: at most " + MAX_RANGE_DAYS + " days, got " + span);
        }
        int n = (int) span;
        LocalDate[] days = new LocalDate[n];
        long[] counts = new long[n];
        moveLock.readLock().lock();
        try {
            List<String> keys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                days[i] = from.plusDays(i);
                keys.add(dayKey(key.tenant(), days[i]));
                ConcurrentHashMap<CounterKey, PendingCount> m = deltas.get(days[i]);
                PendingCount adder = m == null ? null : m.get(key);
                counts[i] = adder == null ? 0 : adder.sum();
            }
            List<Batch> unknown = new ArrayList<>();
            for (Batch b : unconfirmed) {
                if (b.tenant.equals(key.tenant()) && b.touches(key.counter(), from, to)) {
                    unknown.add(b);
                    keys.add(b.marker);
                }
            }
            List<Object> reply = read(keys, key.counter(), n);
            for (int i = 0; i < n; i++) {
                counts[i] += Long.parseLong(reply.get(i).toString());
            }
            for (int j = 0; j < unknown.size(); j++) {
                if (((Long) reply.get(n + j)) == 0) {
                    for (int i = 0; i < n; i++) {
                        counts[i] += unknown.get(j).delta(key.counter(), days[i]);
                    }
                }
            }
        } finally {
            moveLock.readLock().unlock();
        }
        SortedMap<LocalDate, Long> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(days[i], counts[i]);
        }
        return out;
    }

    private List<Object> read(List<String> keys, String field, int days) throws StoreException {
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(queryConnection());
        String[] k = keys.toArray(String[]::new);
        String[] args = {field, Integer.toString(days)};
        try {
            try {
                return await(redis.<List<Object>>evalsha(READ_SHA, ScriptOutputType.MULTI, k, args));
            } catch (ExecutionException e) {
                if (!isNoScript(e.getCause())) {
                    throw e;
                }
                return await(redis.<List<Object>>eval(READ_SCRIPT, ScriptOutputType.MULTI, k, args));
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException(where + ": read failed: " + message(e), cause(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(where + ": read interrupted", e);
        }
    }

    @Override
    public Set<String> counters(String tenant, LocalDate day) throws StoreException {
        Set<String> out = new java.util.TreeSet<>();
        ConcurrentHashMap<CounterKey, PendingCount> m = deltas.get(day);
        if (m != null) {
            m.forEach((k, v) -> {
                if (k.tenant().equals(tenant)) {
                    out.add(k.counter());
                }
            });
        }
        for (Batch b : unconfirmed) {
            if (b.tenant.equals(tenant)) {
                for (Delta d : b.deltas) {
                    if (d.day().equals(day)) {
                        out.add(d.counter());
                    }
                }
            }
        }
        try {
            out.addAll(await(RedisConnector.async(queryConnection()).hkeys(dayKey(tenant, day))));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException("Redis at " + where + ": read failed: " + message(e), cause(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("Redis at " + where + ": read interrupted", e);
        }
        return out;
    }

    @Override
    public boolean healthy() {
        try {
            return "PONG".equals(RedisConnector.async(queryConnection()).ping().get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (StoreException | ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- flushing

    @Override
    public void flush() throws StoreException {
        flushLock.lock();
        try {
            if (!unconfirmed.isEmpty()) {
                confirm(new ArrayList<>(unconfirmed));
            }
            List<String> deletable = new ArrayList<>();
            List<Batch> fresh = drain(deletable);
            List<RedisFuture<Long>> deleted = deleteMarkers(deletable);
            try {
                if (!fresh.isEmpty()) {
                    confirm(fresh);
                }
            } finally {
                awaitQuietly(deleted);
            }
            if (refusing.get() && entries.get() < maxPending && refusing.compareAndSet(true, false)) {
                LOG.info("below MAX_PENDING_COUNTERS again ({} counters wait); new counters are counted", entries.get());
            }
        } finally {
            flushLock.unlock();
        }
    }

    private void runFlusher() {
        long delay = flushInterval.toNanos();
        long backoff = 0;
        while (running) {
            LockSupport.parkNanos(this, delay);
            if (!running) {
                break;
            }
            try {
                flush();
                if (backoff != 0) {
                    LOG.info("{} takes counts again", where);
                }

                backoff = 0;
                delay = flushInterval.toNanos();
            } catch (StoreException | RuntimeException e) {
                if (backoff == 0) {
                    LOG.warn("{} did not take counts ({}); {} hits kept, retrying with back-off",
                            where, e.getMessage(), pendingHits());
                }
                backoff = backoff == 0 ? MIN_BACKOFF.toNanos() : Math.min(backoff * 2, MAX_BACKOFF.toNanos());
                delay = backoff;
            }
        }
    }

    /**
     * Moves every non-zero delta into new batches (now unconfirmed) and returns them. Markers confirmed
     * before this point go to {@code deletable}: after the write lock no query can still ask for them.
     */
    List<Batch> drain(List<String> deletable) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
        if (!today.equals(expiryDay)) {
            expirySet.clear();
            expiryDay = today;
        }
        Map<String, List<Delta>> byTenant = new LinkedHashMap<>();
        List<Batch> built = new ArrayList<>();
        moveLock.writeLock().lock();
        try {
            deletable.addAll(confirmedMarkers);
            confirmedMarkers.clear();
            for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, PendingCount>> day : deltas.entrySet()) {
                for (Map.Entry<CounterKey, PendingCount> e : day.getValue().entrySet()) {
                    long v = e.getValue().sumThenReset();
                    if (v == 0 && day.getValue().remove(e.getKey(), e.getValue())) {
                        // Idle since the last flush: free its place under MAX_PENDING_COUNTERS. A hit that
                        // raced in is either taken here or moved by its thread, which sees the flag (see add).
                        entries.decrementAndGet();
                        e.getValue().retired = true;
                        v = e.getValue().sumThenReset();
                    }
                    if (v != 0) {
                        byTenant.computeIfAbsent(e.getKey().tenant(), t -> new ArrayList<>())
                                .add(new Delta(day.getKey(), e.getKey().counter(), v));
                    }
                }
            }
            for (Map.Entry<String, List<Delta>> t : byTenant.entrySet()) {
                List<Delta> all = t.getValue();
                for (int i = 0; i < all.size(); i += MAX_BATCH_ENTRIES) {
                    built.add(newBatch(t.getKey(), all.subList(i, Math.min(all.size(), i + MAX_BATCH_ENTRIES))));
                }
            }
            unconfirmed.addAll(built);
            dropOldDays(today.minusDays(1));
        } finally {
            moveLock.writeLock().unlock();
        }
        return built;
    }

    private Batch newBatch(String tenant, List<Delta> part) {
        String marker = "rc:{" + tenant + "}:batch:" + writerId + ":" + (++seq);
        Map<LocalDate, String> index = new HashMap<>();
        List<String> keys = new ArrayList<>();
        keys.add(marker);
        List<String> expireAts = new ArrayList<>();
        List<String> triples = new ArrayList<>(part.size() * 3);
        for (Delta d : part) {
            String at = index.get(d.day());
            if (at == null) {
                at = Integer.toString(keys.size() + 1); // Lua KEYS are 1-based
                index.put(d.day(), at);
                String key = dayKey(tenant, d.day());
                keys.add(key);
                expireAts.add(expirySet.contains(key) ? "0" : Long.toString(expireAt(d.day())));
            }
            triples.add(at);
            triples.add(d.counter());
            triples.add(Long.toString(d.inc()));
        }
        List<String> args = new ArrayList<>(1 + expireAts.size() + triples.size());
        args.add(Long.toString(MARKER_TTL_SECONDS));
        args.addAll(expireAts);
        args.addAll(triples);
        return new Batch(tenant, keys.toArray(String[]::new), args.toArray(String[]::new), List.copyOf(part));
    }

    /** Epoch second when the hash of {@code day} expires, or 0 for never. */
    private long expireAt(LocalDate day) {
        if (expireDays > CounterConfig.NEVER_EXPIRE_ABOVE) {
            return 0;
        }
        return day.plusDays(1L + expireDays).atStartOfDay(zone).toEpochSecond();
    }

    private void dropOldDays(LocalDate oldestKept) {
        for (Map.Entry<LocalDate, ConcurrentHashMap<CounterKey, PendingCount>> day : deltas.entrySet()) {
            if (!day.getKey().isBefore(oldestKept)) {
                continue;
            }
            boolean idle = day.getValue().values().stream().allMatch(a -> a.sum() == 0)
                    && unconfirmed.stream().noneMatch(b -> b.hasDay(day.getKey()));
            if (idle && deltas.remove(day.getKey(), day.getValue())) {
                entries.addAndGet(-day.getValue().size());
                for (Map.Entry<CounterKey, PendingCount> e : day.getValue().entrySet()) {
                    e.getValue().retired = true;
                    long late = e.getValue().sumThenReset();
                    if (late != 0) {
                        add(e.getKey(), day.getKey(), late, false);
                    }
                }
            }
        }
    }

    /** Sends the batches; confirmed ones leave {@link #unconfirmed}, the others stay as they are. */
    private void confirm(List<Batch> batches) throws StoreException {
        Long[] replies = apply(batches);
        int failed = 0;
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            if (replies[i] == null) {
                b.unsure = true;
                failed++;
                continue;
            }
            unconfirmed.remove(b);
            if (!b.unsure) {
                confirmedMarkers.add(b.marker);
            }
            for (int k = 1; k < b.keys.length; k++) {
                if (!"0".equals(b.args[k])) {
                    expirySet.add(b.keys[k]);
                }
            }
        }
        if (failed > 0) {
            throw new StoreException(where + ": " + failed + " of " + batches.size()
                    + " batches not confirmed, kept for retry");
        }
    }

    /**
     * Runs each batch's script in one pipeline. The reply per batch: 1 applied now, 0 applied before
     * (its marker exists), null failed or timed out. Does not touch {@link #unconfirmed}.
     */
    Long[] apply(List<Batch> batches) throws StoreException {
        StatefulConnection<String, String> connection = flushConnection();
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(connection);
        Long[] replies = new Long[batches.size()];
        List<RedisFuture<Long>> sent = new ArrayList<>(batches.size());
        try {
            for (Batch b : batches) {
                sent.add(redis.evalsha(APPLY_SHA, ScriptOutputType.INTEGER, b.keys, b.args));
            }
            connection.flushCommands();
        } catch (RuntimeException e) {
            throw new StoreException(where + ": cannot send batches: " + message(e), e);
        }
        List<Integer> noScript = new ArrayList<>();
        awaitAll(sent, replies, noScript, null);
        if (!noScript.isEmpty()) {
            // Redis restarted and lost its script cache; EVAL loads it again.
            expirySet.clear();
            List<RedisFuture<Long>> again = new ArrayList<>(noScript.size());
            try {
                for (int i : noScript) {
                    Batch b = batches.get(i);
                    again.add(redis.eval(APPLY_SCRIPT, ScriptOutputType.INTEGER, b.keys, b.args));
                }
                connection.flushCommands();
            } catch (RuntimeException e) {
                throw new StoreException(where + ": cannot send batches: " + message(e), e);
            }
            awaitAll(again, replies, null, noScript);
        }
        return replies;
    }

    private void awaitAll(List<RedisFuture<Long>> futures, Long[] replies, List<Integer> noScript, List<Integer> slots) {
        long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
        for (int i = 0; i < futures.size(); i++) {
            int slot = slots == null ? i : slots.get(i);
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                replies[slot] = futures.get(i).get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (noScript != null && isNoScript(e.getCause())) {
                    noScript.add(slot);
                } else {
                    LOG.debug("batch failed: {}", message(e));
                }
            } catch (TimeoutException e) {
                futures.get(i).cancel(false); // not sent yet: never send it; sent: its marker stays (unsure)
                LOG.debug("batch timed out");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Deletes confirmed markers (a marker that stays expires on its own). */
    private List<RedisFuture<Long>> deleteMarkers(List<String> markers) {
        if (markers.isEmpty()) {
            return List.of();
        }
        List<RedisFuture<Long>> sent = new ArrayList<>(markers.size());
        try {
            StatefulConnection<String, String> connection = flushConnection();
            RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(connection);
            for (String m : markers) {
                sent.add(redis.unlink(m)); // one key per command: fine in a cluster
            }
            connection.flushCommands();
        } catch (StoreException | RuntimeException e) {
            LOG.debug("could not delete batch markers, they expire: {}", e.getMessage());
        }
        return sent;
    }

    private static void awaitQuietly(List<RedisFuture<Long>> futures) {
        long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
        for (RedisFuture<Long> f : futures) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("could not delete a batch marker, it expires: {}", message(e));
            }
        }
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (flusher != null) {
            LockSupport.unpark(flusher);
            try {
                flusher.join(CLOSE_BUDGET.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
                deletable.addAll(confirmedMarkers);
                confirmedMarkers.clear();
                awaitQuietly(deleteMarkers(deletable));
            } finally {
                flushLock.unlock();
            }
        }
        connector.shutdown(COMMAND_TIMEOUT);
    }

    /** Hits this node counted that Redis has not confirmed. */
    long pendingHits() {
        long sum = 0;
        for (ConcurrentHashMap<CounterKey, PendingCount> m : deltas.values()) {
            for (PendingCount a : m.values()) {
                sum += a.sum();
            }
        }
        for (Batch b : unconfirmed) {
            for (Delta d : b.deltas) {
                sum += d.inc();
            }
        }
        return sum;
    }

    private long pendingCounters() {
        long n = 0;
        for (ConcurrentHashMap<CounterKey, PendingCount> m : deltas.values()) {
            for (PendingCount a : m.values()) {
                if (a.sum() != 0) {
                    n++;
                }
            }
        }
        for (Batch b : unconfirmed) {
            n += b.deltas.size();
        }
        return n;
    }

    /** Distinct (counter, day) delta entries held; a new one past {@link CounterConfig#maxPendingCounters()} is refused. */
    int deltaEntries() {
        return entries.get();
    }

    List<Batch> unconfirmed() {
        return List.copyOf(unconfirmed);
    }

    // ---------------------------------------------------------------- plumbing

    static String dayKey(String tenant, LocalDate day) {
        return "rc:{" + tenant + "}:" + dayDigits(day);
    }

    /** {@link DateTimeFormatter#BASIC_ISO_DATE} of a date, by arithmetic for four-digit years: the flusher names a key per tenant and day. */
    static String dayDigits(LocalDate day) {
        int year = day.getYear();
        if (year < 1000 || year > 9999) {
            return DAY_FORMAT.format(day);
        }
        return Integer.toString(year * 10_000 + day.getMonthValue() * 100 + day.getDayOfMonth());
    }

    private StatefulConnection<String, String> flushConnection() throws StoreException {
        StatefulConnection<String, String> c = flushConnection;
        if (c == null) {
            synchronized (connectLock) {
                c = flushConnection;
                if (c == null) {
                    c = open(true);
                    flushConnection = c;
                }
            }
        }
        return c;
    }

    private StatefulConnection<String, String> queryConnection() throws StoreException {
        StatefulConnection<String, String> c = queryConnection;
        if (c == null) {
            synchronized (connectLock) {
                c = queryConnection;
                if (c == null) {
                    c = open(false);
                    queryConnection = c;
                }
            }
        }
        return c;
    }

    private StatefulConnection<String, String> open(boolean batched) throws StoreException {
        try {
            return connector.connect(batched);
        } catch (RuntimeException e) {
            throw new StoreException(where + ": cannot connect: " + message(e), e);
        }
    }

    private static <T> T await(RedisFuture<T> f) throws ExecutionException, TimeoutException, InterruptedException {
        return f.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean isNoScript(Throwable t) {
        return t instanceof RedisNoScriptException
                || t instanceof RedisCommandExecutionException && String.valueOf(t.getMessage()).startsWith("NOSCRIPT");
    }

    private static Throwable cause(Throwable e) {
        return e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    }

    private static String message(Throwable e) {
        Throwable c = cause(e);
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private static String sha1(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    /** One counter's delta on one day. */
    record Delta(LocalDate day, String counter, long inc) {
    }

    /**
     * One counter's unsent hits. The flusher sets {@code retired} after it takes the delta out of its
     * map; a thread that added to it checks the flag afterwards and moves its hit to the live delta,
     * so the hot path needs no second map lookup to notice the removal.
     */
    @SuppressWarnings("serial") // never serialized
    private static final class PendingCount extends LongAdder {
        volatile boolean retired;
    }

    /** One script call: immutable, so a retry sends exactly what the first attempt sent. */
    static final class Batch {
        final String tenant;
        final String marker;
        final String[] keys;
        final String[] args;
        final List<Delta> deltas;
        /**
         * An attempt failed or timed out, so the client may still hold a copy it sends later (Lettuce
         * re-sends commands after a reconnect, and a cluster follows MOVED to a new primary). Such a
         * batch's marker is never deleted but left to expire, so a late copy finds it and adds nothing.
         * Written under the flush lock.
         */
        boolean unsure;

        Batch(String tenant, String[] keys, String[] args, List<Delta> deltas) {
            this.tenant = tenant;
            this.marker = keys[0];
            this.keys = keys;
            this.args = args;
            this.deltas = deltas;
        }

        long delta(String counter, LocalDate day) {
            long sum = 0;
            for (Delta d : deltas) {
                if (d.day().equals(day) && d.counter().equals(counter)) {
                    sum += d.inc();
                }
            }
            return sum;
        }

        boolean touches(String counter, LocalDate from, LocalDate to) {
            for (Delta d : deltas) {
                if (d.counter().equals(counter) && !d.day().isBefore(from) && !d.day().isAfter(to)) {
                    return true;
                }
            }
            return false;
        }

        boolean hasDay(LocalDate day) {
            for (Delta d : deltas) {
                if (d.day().equals(day)) {
                    return true;
                }
            }
            return false;
        }
    }
}
