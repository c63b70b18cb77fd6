package io.restycounter.core.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once way deltas reach Redis. A {@link Batch} is one script call for one tenant (at most
 * {@value #MAX_BATCH_ENTRIES} counters) that first sets a marker key unique to the batch, so a batch
 * sent twice (its reply was lost, it is retried) is applied once. Built batches stay in flight until
 * Redis confirms them; a confirmed marker is deleted unless an attempt of its batch failed (a late copy
 * may still arrive, so such a marker stays until its TTL). Reads ask, atomically with the counts, which
 * markers of batches in flight exist. The same script adds each batch to this node's own hash of the day
 * ({@link #nodeKey}), which a restart compares with the node's log, and its visitor ids to each counter's
 * unique-visitor HyperLogLog ({@link #sketchKey}): PFADD is idempotent, so a batch applied in part or
 * sent twice adds no visitor twice.
 *
 * <p>Batches are built, confirmed and their markers deleted by one thread at a time (the store's flush
 * lock); the list in flight may be read by any thread.
 */
final class BatchProtocol {

    static final int MAX_BATCH_ENTRIES = 1000;
    /** Visitor ids in one batch at most (about 13 characters each), so one script call stays small. */
    static final int MAX_BATCH_VISITORS = 20_000;
    /** How long a batch marker outlives a crash between apply and confirm; confirmed markers are deleted. */
    static final long MARKER_TTL_SECONDS = 86_400;
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** Between a day hash's name and a node id: {@code rc:{tenant}:yyyyMMdd:n:{node}}, which SCAN {@code rc:{*}:yyyyMMdd} does not match. */
    static final String NODE_INFIX = ":n:";

    private static final Logger LOG = LoggerFactory.getLogger(RedisCounterStore.class);
    private static final DateTimeFormatter DAY_FORMAT = DateTimeFormatter.BASIC_ISO_DATE;

    static final String APPLY_SHA = sha1(Scripts.APPLY);

    /** The connection batches go out on (commands wait for flushCommands on one server). */
    @FunctionalInterface
    interface Connection {
        StatefulConnection<String, String> get() throws StoreException;
    }

    private final String writerId;
    private final String node;
    private final Clock clock;
    private final ZoneId zone;
    private final int expireDays;
    /** Days a unique-visitor sketch outlives its day: at least as long as the day hash (UNIQUES_KEEP_DAYS). */
    private final int keepDays;
    private final String where;
    private final CountReads reads;
    private final Connection connection;

    /** Built and not yet confirmed by Redis, in the order built. */
    private final List<Batch> inFlight = new CopyOnWriteArrayList<>();
    private final List<String> confirmedMarkers = new ArrayList<>();
    /** Expiries set and visitor ids sent: each goes once per key (sketch) and day, see SentToday. */
    private final SentToday sentToday = new SentToday();
    private long seq;
    /** Days this process has announced its node for in {@code rc:nodes:yyyyMMdd}. */
    private final Set<LocalDate> announced = new HashSet<>();

    /**
     * {@code writerId} makes this process's markers unique; {@code node} (NODE_ID, "" for none) is
     * announced for each day it counts on; {@code connection} is asked for each send.
     */
    BatchProtocol(String writerId, String node, ZoneId zone, Clock clock, int expireDays, String where,
            Connection connection) {
        this(writerId, node, zone, clock, expireDays, expireDays, where, connection);
    }

    /** As above; the unique-visitor sketches live {@code keepDays} after their day (at least {@code expireDays}). */
    BatchProtocol(String writerId, String node, ZoneId zone, Clock clock, int expireDays, int keepDays, String where,
            Connection connection) {
        this.keepDays = Math.max(expireDays, keepDays);
        this.writerId = writerId;
        this.node = node;
        this.clock = clock;
        this.zone = zone;
        this.expireDays = expireDays;
        this.where = where;
        this.reads = new CountReads(where);
        this.connection = connection;
    }

    static String dayKey(String tenant, LocalDate day) {
        return "rc:{" + tenant + "}:" + dayDigits(day);
    }

    /** The hash of what {@code node}'s batches added to {@code tenant}'s {@code day}: field = counter, value = sum. */
    static String nodeKey(String tenant, LocalDate day, String node) {
        return dayKey(tenant, day) + NODE_INFIX + node;
    }

    /** {@link DateTimeFormatter#BASIC_ISO_DATE} of a date, by arithmetic for four-digit years: the flusher names a key per tenant and day. */
    static String dayDigits(LocalDate day) {
        int year = day.getYear();
        if (year < 1000 || year > 9999) {
            return DAY_FORMAT.format(day);
        }
        return Integer.toString(year * 10_000 + day.getMonthValue() * 100 + day.getDayOfMonth());
    }

    // ---------------------------------------------------------------- building

    /**
     * Builds the batches of {@code byTenant} (split at {@value #MAX_BATCH_ENTRIES} counters), puts them
     * in flight and returns them. A day hash or sketch gets its EXPIRE until a batch that set it is
     * confirmed, once per key and {@code today}; a visitor id a sketch is known to hold is left out.
     */
    List<Batch> build(Map<String, List<Delta>> byTenant, LocalDate today) {
        sentToday.startDay(today);
        byTenant = sentToday.unsent(byTenant);
        List<Batch> built = new ArrayList<>();
        for (Map.Entry<String, List<Delta>> t : byTenant.entrySet()) {
            List<Delta> all = t.getValue();
            int from = 0;
            int visitors = 0;
            for (int i = 0; i < all.size(); i++) {
                int v = all.get(i).visitors().length;
                if (i - from == MAX_BATCH_ENTRIES || i > from && visitors + v > MAX_BATCH_VISITORS) {
                    built.add(newBatch(t.getKey(), all.subList(from, i)));
                    from = i;
                    visitors = 0;
                }
                visitors += v;
            }
            if (from < all.size()) {
                built.add(newBatch(t.getKey(), all.subList(from, all.size())));
            }
        }
        inFlight.addAll(built);
        return built;
    }

    private Batch newBatch(String tenant, List<Delta> part) {
        String marker = "rc:{" + tenant + "}:batch:" + writerId + ":" + (++seq);
        Map<LocalDate, String> index = new HashMap<>();
        List<String> keys = new ArrayList<>();
        keys.add(marker);
        List<String> expireAts = new ArrayList<>();
        List<String> sketchTtls = new ArrayList<>();
        List<String> triples = new ArrayList<>(part.size() * 4);
        Set<LocalDate> withFates = new HashSet<>();
        SentToday.Skips skips = new SentToday.Skips();
        for (Delta d : part) {
            if (d.counter().indexOf(RedisFates.SEPARATOR) >= 0) {
                withFates.add(d.day());
            }
        }
        for (Delta d : part) {
            String at = index.get(d.day());
            if (at == null) {
                at = Integer.toString(keys.size() + 1); // Lua KEYS are 1-based
                index.put(d.day(), at);
                String key = dayKey(tenant, d.day());
                keys.add(key);
                // A fates hash may be new when its day hash is not: the script sets its expiry with the day's.
                expireAts.add(sentToday.dayExpiry(tenant, d.day(), withFates.contains(d.day()),
                        Long.toString(expiresIn(d.day(), expireDays)), skips, expireAts.size()));
                sketchTtls.add(Long.toString(expiresIn(d.day(), keepDays)));
            }
            triples.add(at);
            triples.add(d.counter());
            triples.add(Long.toString(d.inc()));
            triples.add(sentToday.visitorCount(tenant, d, skips, triples.size()));
            for (long v : d.visitors()) {
                triples.add(Long.toString(v, Character.MAX_RADIX));
            }
        }
        for (int i = 1, days = keys.size(); i < days; i++) {
            keys.add(keys.get(i) + NODE_INFIX + node);
        }
        List<String> args = new ArrayList<>(1 + 2 * expireAts.size() + triples.size());
        args.add(Long.toString(MARKER_TTL_SECONDS));
        args.addAll(expireAts);
        args.addAll(sketchTtls);
        args.addAll(triples);
        Batch b = new Batch(tenant, keys.toArray(String[]::new), args.toArray(String[]::new), List.copyOf(part));
        sentToday.built(b, skips, 1, 1 + 2 * expireAts.size());
        return b;
    }

    /** The unique-visitor sketch of {@code counter} on {@code day}: a HyperLogLog beside the day hash. */
    static String sketchKey(String tenant, LocalDate day, String counter) {
        return "rcu:{" + tenant + "}:" + dayDigits(day) + ":" + counter;
    }

    /**
     * Seconds from now until the hash of {@code day} expires (at least 1), or 0 for never. Relative, so
     * that Redis's clock and this node's (a test's, too) need not agree on the date.
     */
    private long expiresIn(LocalDate day, int days) {
        if (days > CounterConfig.NEVER_EXPIRE_ABOVE) {
            return 0;
        }
        long at = Math.max(day.plusDays(1L + days).atStartOfDay(zone).toEpochSecond(), // a tenant's day may end later:
                io.restycounter.core.TenantCalendar.latestEndOf(day.plusDays(days)) / 1000);
        return Math.max(1, at - clock.instant().getEpochSecond());
    }

    // ---------------------------------------------------------------- in flight

    /** The batches not yet confirmed, oldest first; iterating it sees a snapshot. */
    List<Batch> inFlight() {
        return inFlight;
    }

    boolean inFlight(LocalDate day) {
        return inFlight.stream().anyMatch(b -> b.hasDay(day));
    }

    /** Moves the markers confirmed so far into {@code deletable}: no read asks for them any more. */
    void takeConfirmedMarkers(List<String> deletable) {
        deletable.addAll(confirmedMarkers);
        confirmedMarkers.clear();
    }

    // ---------------------------------------------------------------- sending

    /** Sends the batches; confirmed ones leave flight, the others stay as they are. */
    void confirm(List<Batch> batches) throws StoreException {
        settle(batches, apply(batches));
    }

    /**
     * Takes the replies of {@link #apply}: a batch with a reply leaves flight (its marker becomes
     * deletable unless an attempt failed before), one without is marked unsure and stays.
     */
    void settle(List<Batch> batches, Long[] replies) throws StoreException {
        int failed = 0;
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            if (replies[i] == null) {
                b.unsure = true;
                failed++;
                continue;
            }
            confirmed(b);
        }
        if (failed > 0) {
            throw new StoreException(where + ": " + failed + " of " + batches.size()
                    + " batches not confirmed");
        }
    }

    /** {@code b} is in Redis: it leaves flight, its marker becomes deletable unless an attempt failed before. */
    void confirmed(Batch b) {
        inFlight.remove(b);
        if (!b.unsure) {
            confirmedMarkers.add(b.marker);
        }
        sentToday.confirmed(b);
    }

    /** Redis restarted and lost its scripts, so maybe its keys too: announcements, expiries and visitor ids go again. */
    void scriptCacheLost() {
        announced.clear();
        sentToday.scriptCacheLost(inFlight);
    }

    StatefulConnection<String, String> connection() throws StoreException {
        return connection.get();
    }

    /**
     * Runs each batch's script in one pipeline. The reply per batch: 1 applied now, 0 applied before
     * (its marker exists), null failed or timed out. Does not touch what is in flight.
     */
    Long[] apply(List<Batch> batches) throws StoreException {
        StatefulConnection<String, String> c = connection.get();
        RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(c);
        announce(batches, c, redis);
        Long[] replies = new Long[batches.size()];
        List<RedisFuture<Long>> sent = new ArrayList<>(batches.size());
        try {
            for (Batch b : batches) {
                sent.add(redis.evalsha(APPLY_SHA, ScriptOutputType.INTEGER, b.keys, b.args));
            }
            c.flushCommands();
        } catch (RuntimeException e) {
            throw new StoreException(where + ": cannot send batches: " + message(e), e);
        }
        List<Integer> noScript = new ArrayList<>();
        awaitAll(sent, replies, noScript, null);
        if (!noScript.isEmpty()) {
            // Redis restarted and lost its script cache; EVAL loads it again.
            scriptCacheLost();
            announce(batches, c, redis);
            List<RedisFuture<Long>> again = new ArrayList<>(noScript.size());
            try {
                for (int i : noScript) {
                    Batch b = batches.get(i);
                    again.add(redis.eval(Scripts.APPLY, ScriptOutputType.INTEGER, b.keys, b.args));
                }
                c.flushCommands();
            } catch (RuntimeException e) {
                throw new StoreException(where + ": cannot send batches: " + message(e), e);
            }
            awaitAll(again, replies, null, noScript);
        }
        return replies;
    }

    /**
     * Adds this node to {@code rc:nodes:yyyyMMdd} for each day of {@code batches} it has not announced
     * yet, and waits for Redis to take it before any count of that day is sent: a node that counted on
     * a day is always known to owe that day's archive its share (see {@code RedisCounterArchive}).
     */
    void announce(List<Batch> batches, StatefulConnection<String, String> c,
            RedisClusterAsyncCommands<String, String> redis) throws StoreException {
        Set<LocalDate> days = new java.util.TreeSet<>();
        for (Batch b : batches) {
            for (Delta d : b.deltas) {
                if (!announced.contains(d.day())) {
                    days.add(d.day());
                }
            }
        }
        if (days.isEmpty()) {
            return;
        }
        List<RedisFuture<?>> sent = new ArrayList<>(2 * days.size());
        try {
            for (LocalDate day : days) {
                sent.add(redis.sadd(RedisCounterArchive.nodesKey(day), node));
                long ttl = expiresIn(day, expireDays); // the set goes with the day hashes it names the writers of
                if (ttl > 0) {
                    sent.add(redis.expire(RedisCounterArchive.nodesKey(day), ttl));
                }
            }
            c.flushCommands();
            long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
            for (RedisFuture<?> f : sent) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(where + ": interrupted while announcing node \"" + node + "\"", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException(where + ": cannot announce node \"" + node + "\" for " + days + ": "
                    + message(e), cause(e));
        }
        announced.addAll(days);
    }

    private static void awaitAll(List<RedisFuture<Long>> futures, Long[] replies, List<Integer> noScript,
            List<Integer> slots) {
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

    /** Sends the deletion of confirmed markers (a marker that stays expires on its own); await with {@link #awaitQuietly}. */
    List<RedisFuture<Long>> deleteMarkers(List<String> markers) {
        if (markers.isEmpty()) {
            return List.of();
        }
        List<RedisFuture<Long>> sent = new ArrayList<>(markers.size());
        try {
            StatefulConnection<String, String> c = connection.get();
            RedisClusterAsyncCommands<String, String> redis = RedisConnector.async(c);
            for (String m : markers) {
                sent.add(redis.unlink(m)); // one key per command: fine in a cluster
            }
            c.flushCommands();
        } catch (StoreException | RuntimeException e) {
            LOG.debug("could not delete batch markers, they expire: {}", e.getMessage());
        }
        return sent;
    }

    static void awaitQuietly(List<RedisFuture<Long>> futures) {
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

    // ---------------------------------------------------------------- reading

    /**
     * Runs the READ_PAGE script on {@code query} for one counter: the field {@code field} of the first
     * {@code days} keys ("0" where none), then whether each following marker exists (1 or 0).
     */
    List<Object> read(StatefulConnection<String, String> query, List<String> keys, String field, int days)
            throws StoreException {
        List<Object> reply = reads.await(reads.sendPage(query, keys, List.of(field), days));
        List<Object> out = new ArrayList<>(reply.size());
        for (int i = 0; i < reply.size(); i++) {
            Object v = i < days ? ((List<?>) reply.get(i)).get(0) : reply.get(i);
            out.add(v == null ? "0" : v);
        }
        return out;
    }

    static <T> T await(RedisFuture<T> f) throws ExecutionException, TimeoutException, InterruptedException {
        return f.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends one read; see {@link #read(String, String, Read)}. */
    @FunctionalInterface
    interface Read<T> {
        RedisFuture<T> send();
    }

    /**
     * Sends a read and waits for it within the command timeout; a failure, a timeout or an interrupt
     * becomes a StoreException saying "{where}: {what} failed: ..." or "{where}: {what} interrupted".
     */
    static <T> T read(String where, String what, Read<T> read) throws StoreException {
        try {
            return await(read.send());
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new StoreException(where + ": " + what + " failed: " + message(e), cause(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(where + ": " + what + " interrupted", e);
        }
    }

    static boolean isNoScript(Throwable t) {
        return t instanceof RedisNoScriptException
                || t instanceof RedisCommandExecutionException && String.valueOf(t.getMessage()).startsWith("NOSCRIPT");
    }

    static Throwable cause(Throwable e) {
        return e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    }

    static String message(Throwable e) {
        Throwable c = cause(e);
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    static String sha1(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
