package io.restycounter.core;

import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.embedded.FileTenantKeys;
import io.restycounter.core.embedded.MemoryCounterStore;
import io.restycounter.core.geoip.GeoIpFactory;
import io.restycounter.core.guard.BotDetector;
import io.restycounter.core.guard.RateLimiter;
import io.restycounter.core.guard.TenantQuotas;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.redis.RedisCounterStore;
import io.restycounter.core.redis.RedisLink;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.core.tenant.TenantSettings;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Objects;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running counter: a store for live counts, a log for the permanent record, a clock that says
 * which day it is. Front doors (servlets, the Jetty handler) parse requests and hand hits here.
 * Thread-safe; build one per process with {@link #start} and close it on shutdown.
 */
public final class CounterEngine implements AutoCloseable {

    /** The ServletContext attribute under which a host webapp may put its engine. */
    public static final String CONTEXT_ATTRIBUTE = CounterEngine.class.getName();

    /** What became of a hit handed to {@link #record}. */
    public enum Outcome {
        COUNTED,
        /** A crawler or headless browser: logged with "bot":true, not counted (COUNT_BOTS=false). Answer as counted. */
        LOGGED_AS_BOT,
        /** The client sent more than RATE_LIMIT hits a second (after its burst): answer 429. */
        RATE_LIMITED,
        /** Too many counters wait to be flushed to the store (it has been down a while). */
        REFUSED_STORE_FULL,
        /** Too many hits wait to be written to the log (the disk is slow or failing). */
        REFUSED_LOG_FULL,
        /** The tenant sent more than its max-hits-per-second: answer 429, not counted, not logged. */
        OVER_RATE_QUOTA,
        /** A counter past the tenant's max-new-counters-per-day: answer 403, not counted, not logged. */
        OVER_COUNTER_QUOTA,
        /** A tenant not in the registry while OPEN_TENANTS=false, or a counter its rules do not allow: 404. */
        NOT_ADMITTED,
        /**
         * A browser prefetch or prerender ({@link HitSignals#PREFETCH}) of a tenant that does not count them
         * (COUNT_PREFETCH=false): neither counted nor logged. Answer as counted.
         */
        PREFETCH,
        /**
         * Never returned by {@link #record}: a tally beside {@link #COUNTED}. A hit counted for a client that
         * asked not to be tracked (PRIVACY=respect-signals) is {@code COUNTED} and also adds one here.
         */
        PRIVATE
    }

    private static final Logger LOG = LoggerFactory.getLogger(CounterEngine.class);

    private final CounterConfig config;
    private final CounterStore store;
    private final HitLog log;
    private final GeoIp geoIp;
    private final Clock clock;
    private final TenantCalendar calendar;
    private final byte[] apiKeyDigest;
    private final RateLimiter rateLimiter;
    private final BotDetector bots;
    /** The privacy seam: a counted hit for which it is true joins no unique-visitor sketch. */
    private final java.util.function.Predicate<Hit> privateHits;
    private final AtomicLong refused = new AtomicLong();
    /** Hits by {@link Outcome}, indexed by ordinal: one LongAdder increment per hit, nothing allocated. */
    private final LongAdder[] fates = EngineParts.adders(Outcome.values().length);
    /** Hits by tenant and outcome, only once metrics asked for them (METRICS_PER_TENANT). */
    private volatile TenantTally fatesByTenant;
    private final CounterArchive archive;
    private final TenantKeys tenantKeys;
    /** The process's one Redis client, shared by store, archive, tenant keys and the app; null without Redis. */
    private final RedisLink redis;
    private final TenantRegistry tenants;
    private final TenantQuotas quotas;
    /** Per hit: private? prefetch? The seam a tenant registry plugs into (see {@code EngineParts.tenantPrivacy}). */
    private final TenantPrivacy privacy;
    private volatile boolean closed;

    /** Wires an engine from parts that are already started. It owns them from now on and closes them. */
    public CounterEngine(CounterConfig config, CounterStore store, HitLog log, GeoIp geoIp, Clock clock) {
        this(config, store, log, geoIp, clock, new FileCounterArchive(config.archiveDir()),
                config.tenantKeysFile() == null ? TenantKeys.none() : new FileTenantKeys(config.tenantKeysFile()));
    }

    /** As above, with the archive of closed days and the tenant keys; it owns and closes them too. */
    public CounterEngine(CounterConfig config, CounterStore store, HitLog log, GeoIp geoIp, Clock clock,
            CounterArchive archive, TenantKeys tenantKeys) {
        this(config, store, log, geoIp, clock, archive, tenantKeys, null, tenantRegistry(config, null));
    }

    private CounterEngine(CounterConfig config, CounterStore store, HitLog log, GeoIp geoIp, Clock clock,
            CounterArchive archive, TenantKeys tenantKeys, RedisLink redis, TenantRegistry tenants) {
        this.redis = redis;
        this.archive = Objects.requireNonNull(archive, "archive");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.privacy = EngineParts.tenantPrivacy(config, tenants);
        this.tenantKeys = tenants.keys(Objects.requireNonNull(tenantKeys, "tenantKeys"));
        this.quotas = new TenantQuotas(config.maxPendingCounters());
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.log = Objects.requireNonNull(log, "log");
        this.geoIp = Objects.requireNonNull(geoIp, "geoIp");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.calendar = new TenantCalendar(config.zone(), tenants);
        this.apiKeyDigest = EngineParts.sha256(config.apiKey());
        this.rateLimiter = config.rateLimit() > 0
                ? new RateLimiter(config.rateLimit(), config.rateBurst(), config.rateLimitClients())
                : null;
        this.bots = new BotDetector(config.botCacheSize());
        this.privateHits = config.privateHits();
    }

    /**
     * Builds the store, log and GeoIP database that {@code config} describes, rebuilds an embedded
     * store from the logs, and starts.
     */
    public static CounterEngine start(CounterConfig config, Clock clock) {
        GeoIp geoIp = GeoIpFactory.open(config.geoIp());
        try {
            return start(config, geoIp, clock);
        } catch (RuntimeException e) {
            geoIp.close();
            throw e;
        }
    }

    /**
     * As {@link #start(CounterConfig, Clock)}, with a GeoIP database already open (the caller keeps
     * it: a start that fails closes everything it had started but {@code geoIp}).
     */
    public static CounterEngine start(CounterConfig config, GeoIp geoIp, Clock clock) {
        RedisLink link = null;
        CounterStore store = null;
        DailyFileHitLog log = null;
        CounterArchive archive = null;
        TenantKeys tenantKeys = null;
        TenantRegistry tenants = null;
        try {
            link = config.redisUrl() == null ? null : RedisLink.connect(config);
            tenants = tenantRegistry(config, link);
            TenantPrivacy privacy = EngineParts.tenantPrivacy(config, tenants);
            TenantCalendar calendar = new TenantCalendar(config.zone(), tenants);
            var periods = new io.restycounter.core.audience.VisitorPeriods(
                    EngineParts.uniquesPeriods(config, tenants), calendar::startOf);
            // Before the store: LOG_DIR is the directory an operator names, and UNIQUES_DIR lives in it by default.
            log = new DailyFileHitLog(config.logDir(), config.zone(), config.nodeId(), geoIp,
                    config.logQueueCapacity(), privacy, EngineParts.ipHashKeys(config, link, clock));
            // Days before the newest one kept: two more than the live window, as tenants' dates run up to two apart.
            int retainDays = Math.max(2, Math.min(config.redisExpireDays(), 3660)) + 2;
            store = link == null
                    ? new MemoryCounterStore(retainDays, MemoryCounterStore.DEFAULT_MAX_COUNTERS,
                            EngineParts.daySketches(config, clock, Math.max(retainDays, Math.min(config.uniquesKeepDays(), 3660) + 2), periods))
                    : RedisCounterStore.connect(link, config, clock, periods);
            if (store instanceof MemoryCounterStore memory) {
                EngineParts.rebuild(memory, log, config, calendar, clock);
            } else if (store instanceof RedisCounterStore redisStore) {
                EngineParts.replay(redisStore, config, calendar); // before the first hit, counted before its line is written
            }
            CounterStore counts = store;
            log.takeBackWith(hit -> hit.bot() && !config.countBots() || counts.increment(hit.key(),
                    calendar.dayOf(hit.key().tenant(), hit.epochMillis()), calendar.hourOf(hit.key().tenant(),
                    hit.epochMillis()), -hit.inc()));
            log.start();
            archive = archive(config, link);
            tenantKeys = tenantKeys(config, link);
            return new CounterEngine(config, store, log, geoIp, clock, archive, tenantKeys, link, tenants);
        } catch (RuntimeException | Error e) {
            EngineParts.closeAll(e, tenants, tenantKeys, archive, log, store, link);
            throw e;
        }
    }

    /**
     * The archive {@code config} describes: in Redis when there is one ({@code link}), else files in
     * ARCHIVE_DIR. The archive does not close {@code link}; its owner does, after the archive.
     */
    public static CounterArchive archive(CounterConfig config, RedisLink link) {
        return EngineParts.archive(config, link);
    }

    /**
     * The tenant keys {@code config} describes: the TENANT_KEYS file, else Redis when there is one, else
     * none. They do not close {@code link}; its owner does, after them.
     */
    public static TenantKeys tenantKeys(CounterConfig config, RedisLink link) {
        return EngineParts.tenantKeys(config, link);
    }

    /**
     * The tenant registry {@code config} describes: in Redis when there is one ({@code link}), else the
     * TENANTS file, reloaded in the background.
     *
     * @throws ConfigException naming TENANTS for a bad file
     */
    public static TenantRegistry tenantRegistry(CounterConfig config, RedisLink link) {
        return EngineParts.tenantRegistry(config, link);
    }

    /**
     * Counts the hit and queues it for the log. Never blocks on I/O. A refused or rate-limited hit is
     * neither counted nor logged; the caller answers it with an error.
     */
    public Outcome record(Hit hit) {
        return record(hit, HitSignals.NONE);
    }

    /**
     * As {@link #record(Hit)}, for a request that carried {@code signals} ({@link HitSignals}): under its
     * tenant's {@link PrivacyPolicy} a prefetch may count nothing and a privacy signal makes the hit private.
     */
    public Outcome record(Hit hit, int signals) {
        TenantSettings settings = tenants.find(hit.key().tenant());
        if (settings == null ? !tenants.open()
                : settings.counters() != null && !settings.counters().allows(hit.key().counter())) {
            // Before anything that keeps a trace (a prefetch's fate included): such a hit creates nothing.
            fates[Outcome.NOT_ADMITTED.ordinal()].increment();
            return Outcome.NOT_ADMITTED;
        }
        PrivacyPolicy policy = privacy.of(hit.key().tenant());
        if (policy.skipsPrefetch(signals)) {
            fates[Outcome.PREFETCH.ordinal()].increment();
            fate(hit.key(), hit.epochMillis(), Fate.PREFETCH);
            return Outcome.PREFETCH;
        }
        boolean anonymous = policy.isPrivate(signals);
        Outcome fate = decide(hit, anonymous, settings);
        fates[fate.ordinal()].increment();
        if (anonymous && fate == Outcome.COUNTED) {
            fates[Outcome.PRIVATE.ordinal()].increment();
        }
        Fate shown = switch (fate) {
            case COUNTED -> anonymous ? Fate.PRIVATE : null;
            case LOGGED_AS_BOT -> Fate.BOT;
            case RATE_LIMITED -> Fate.RATE_LIMITED;
            case OVER_RATE_QUOTA -> Fate.OVER_QUOTA; // not OVER_COUNTER_QUOTA: it would create what that quota refuses
            default -> null;
        };
        if (shown != null) {
            fate(hit.key(), hit.epochMillis(), shown);
        }
        TenantTally byTenant = fatesByTenant;
        if (byTenant != null) {
            byTenant.add(hit.key().tenant(), fate.ordinal());
        }
        return fate;
    }

    private Outcome decide(Hit hit, boolean anonymous, TenantSettings settings) {
        if (rateLimiter != null && !rateLimiter.tryAcquire(hit.ip(), hit.epochMillis())) {
            return Outcome.RATE_LIMITED;
        }
        boolean bot = bots.isBot(hit.userAgent());
        if (bot || anonymous) {
            hit = hit.classified(bot, anonymous);
        }
        if (bot) {
            if (!config.countBots()) {
                if (log.append(hit)) {
                    return Outcome.LOGGED_AS_BOT;
                }
                refused.incrementAndGet();
                return Outcome.REFUSED_LOG_FULL;
            }
        }
        if (!log.healthy()) {
            // Checked first so a store never sees a count for a hit the log cannot keep, not even for a moment.
            refused.incrementAndGet();
            return Outcome.REFUSED_LOG_FULL;
        }
        LocalDate day = calendar.dayOf(settings, hit.epochMillis());
        Outcome overQuota = overQuota(hit, settings, day);
        if (overQuota != null) {
            return overQuota;
        }
        int hour = calendar.hourOf(settings, hit.epochMillis());
        if (!store.increment(hit.key(), day, hour, hit.inc())) {
            refused.incrementAndGet();
            return Outcome.REFUSED_STORE_FULL;
        }
        if (!log.append(hit)) {
            // Undo before the next flush in all but a rare race: a count must never exist without its log line.
            store.increment(hit.key(), day, hour, -hit.inc());
            refused.incrementAndGet();
            return Outcome.REFUSED_LOG_FULL;
        }
        if (!privateHits.test(hit)) {
            store.visit(hit.key(), day, hit.ip(), hit.userAgent()); // references only: hashed by the flush
        }
        return Outcome.COUNTED;
    }

    private Outcome overQuota(Hit hit, TenantSettings t, LocalDate day) {
        Integer rate = t == null ? null : t.maxHitsPerSecond();
        Long newCounters = t == null ? null : t.maxNewCountersPerDay();
        return switch (quotas.check(hit.key().tenant(), hit.key().counter(), day, hit.epochMillis(),
                rate != null ? rate : config.maxHitsPerSecond(),
                newCounters != null ? newCounters : config.maxNewCountersPerDay(), t != null)) {
            case OK -> null;
            case OVER_RATE -> Outcome.OVER_RATE_QUOTA;
            case OVER_NEW_COUNTERS -> Outcome.OVER_COUNTER_QUOTA;
        };
    }

    /** Notes a hit's {@link Fate} decided before {@link #record}: a bad {@code v}, {@code redir} or {@code sig}. */
    public void fate(CounterKey key, long epochMillis, Fate fate) {
        store.fate(key, calendar.dayOf(key.tenant(), epochMillis), fate);
    }

    /** The fates of {@code key} per day (counts by {@link Fate#ordinal()}), live days only; days without any left out. */
    public SortedMap<LocalDate, long[]> fates(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return store.fates(key, from, to);
    }

    /**
     * The client's address: the socket peer, or what a trusted proxy says in X-Forwarded-For
     * (all its values joined with commas) or X-Real-IP.
     */
    public String clientAddress(String peer, String xForwardedFor, String xRealIp) {
        return config.clientAddresses().resolve(peer, xForwardedFor, xRealIp);
    }

    /** The time to stamp a new hit with. */
    public long now() {
        return clock.millis();
    }

    /** The date now in TIMEZONE: the log files' day. A tenant's own date is {@link #today(String)}. */
    public LocalDate today() {
        return calendar.dayOf((TenantSettings) null, clock.millis());
    }

    /** The date now in {@code tenant}'s time zone: its "today". */
    public LocalDate today(String tenant) {
        return calendar.today(tenant, clock);
    }

    /** Each tenant's calendar: the one place that dates a hit (see {@link TenantCalendar}). */
    public TenantCalendar calendar() {
        return calendar;
    }

    /** Counts per day from {@code from} to {@code to}, both included, with this node's unflushed hits. */
    public SortedMap<LocalDate, Long> counts(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return store.range(key, from, to);
    }

    /** Unique visitors of {@code key} per day from {@code from} to {@code to}, and the range's (see {@link UniqueVisitors}). */
    public UniqueVisitors uniques(CounterKey key, LocalDate from, LocalDate to) throws StoreException {
        return store.uniques(key, from, to);
    }

    /** The first day of {@code tenant}'s calendar whose unique visitors the store still holds (UNIQUES_KEEP_DAYS). */
    public LocalDate uniquesFrom(String tenant) {
        return config.uniquesFrom(today(tenant));
    }

    /** The daily totals of closed days, aggregated from the logs. */
    public CounterArchive archive() {
        return archive;
    }

    public TenantKeys tenantKeys() {
        return tenantKeys;
    }

    /** Which tenants exist and their settings. */
    public TenantRegistry tenants() {
        return tenants;
    }

    /** The per-tenant quotas of this node. */
    public TenantQuotas quotas() {
        return quotas;
    }

    /** The first day of {@code tenant}'s calendar whose counts come from the live store; older days from the archive. */
    public LocalDate liveFrom(String tenant) {
        return config.liveFrom(today(tenant));
    }

    /** The counters of {@code tenant} with a live count on {@code day}, as far as the store can list them. */
    public java.util.Set<String> liveCounters(String tenant, LocalDate day) throws StoreException {
        return store.counters(tenant, day);
    }

    /** The live store: counts per day, with this node's unflushed hits. */
    public CounterStore store() {
        return store;
    }

    /** Whether {@code presented} is the API key, compared in constant time. */
    public boolean isApiKey(String presented) {
        return presented != null && MessageDigest.isEqual(apiKeyDigest, EngineParts.sha256(presented));
    }

    public boolean storeHealthy() {
        return store.healthy();
    }

    public boolean logHealthy() {
        return log.healthy();
    }

    /** Hits {@linkplain #record recorded} with this outcome since start. */
    public long fateCount(Outcome fate) {
        return fates[fate.ordinal()].sum();
    }

    /**
     * Starts counting hits by tenant and outcome (the first call decides {@code maxTenants}; later calls
     * get the same tally). Until a first call nothing is kept per tenant.
     */
    public synchronized TenantTally fatesByTenant(int maxTenants) {
        if (fatesByTenant == null) {
            fatesByTenant = new TenantTally(Outcome.values().length, maxTenants);
        }
        return fatesByTenant;
    }

    public StoreStats storeStats() {
        return store.stats();
    }

    public LogStats logStats() {
        return log.stats();
    }

    /** Hits refused since start because the store or the log was full. */
    public long refusedHits() {
        return refused.get();
    }

    public CounterConfig config() {
        return config;
    }

    /**
     * The Redis client that the store, archive and tenant keys share, for other state kept in that
     * Redis (certificates); null without Redis. The engine closes it, after everything of its own.
     */
    public RedisLink redisLink() {
        return redis;
    }

    /** The privacy policy of each tenant, as the engine and the log apply it. */
    public TenantPrivacy privacy() {
        return privacy;
    }

    public GeoIp geoIp() {
        return geoIp;
    }

    public Clock clock() {
        return clock;
    }

    /** Writes queued hits to the log, then flushes the store; both are kept on failure. */
    public void flush() throws StoreException {
        log.flush();
        store.flush();
    }

    /**
     * Flushes and closes the log, then the store, the archive and keys, GeoIP, and last the Redis
     * client they shared. Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            log.close();
            store.close();
            tenantKeys.close();
            tenants.close();
            archive.close();
            geoIp.close();
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }
}
