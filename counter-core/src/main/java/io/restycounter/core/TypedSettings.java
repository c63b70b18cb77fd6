package io.restycounter.core;

import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.LogFileName;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The typed settings of a {@link CounterConfig}, set one by one and checked together when it is built.
 * {@link CounterConfig.Builder} is its public face; this class knows no CounterConfig so that the
 * environment layer ({@link ConfigFromSettings}) can fill it without leading back to it. Each setter
 * names its environment variable; a bad value is reported under that name, as the environment's is.
 *
 * @param <B> the builder, returned by each setter
 */
abstract class TypedSettings<B extends TypedSettings<B>> {

    static final IntSetting REDIS_PORT = new IntSetting("REDIS_PORT", 1, 65535);
    static final IntSetting REDIS_EXPIRE_DAYS = new IntSetting("REDIS_EXPIRE_DAYS", 0, Integer.MAX_VALUE);
    static final IntSetting FLUSH_INTERVAL_MS = new IntSetting("FLUSH_INTERVAL_MS", 1, 60_000);
    static final IntSetting MAX_PENDING_COUNTERS = new IntSetting("MAX_PENDING_COUNTERS", 1, Integer.MAX_VALUE);
    static final IntSetting LOG_QUEUE_CAPACITY = new IntSetting("LOG_QUEUE_CAPACITY", 1, 1 << 24);
    static final IntSetting MAX_INCREMENT = new IntSetting("MAX_INCREMENT", 1, Integer.MAX_VALUE);
    static final IntSetting RATE_LIMIT = new IntSetting("RATE_LIMIT", 0, 1_000_000);
    static final IntSetting RATE_BURST = new IntSetting("RATE_BURST", 1, 1_000_000);
    static final IntSetting RATE_LIMIT_CLIENTS = new IntSetting("RATE_LIMIT_CLIENTS", 1, 100_000_000);
    static final IntSetting BOT_CACHE_SIZE = new IntSetting("BOT_CACHE_SIZE", 0, 10_000_000);
    static final IntSetting MAX_RANGE_DAYS = new IntSetting("MAX_RANGE_DAYS", 1, 3660);
    static final IntSetting MAX_NEW_COUNTERS_PER_DAY = new IntSetting("MAX_NEW_COUNTERS_PER_DAY", 0, 100_000_000);
    static final IntSetting MAX_HITS_PER_SECOND = new IntSetting("MAX_HITS_PER_SECOND", 0, 10_000_000);
    /** Where the tenant command and the embedded store look for the registry when TENANTS is not set. */
    static final Path DEFAULT_TENANTS = Path.of("./data/tenants.toml");
    static final IntSetting UNIQUES_KEEP_DAYS = new IntSetting("UNIQUES_KEEP_DAYS", 1, Integer.MAX_VALUE);
    static final IntSetting MAX_PENDING_VISITORS = new IntSetting("MAX_PENDING_VISITORS", 1, 1 << 26);


    /** An integer setting and its range, so that a parser and a check report it alike. */
    record IntSetting(String name, int min, int max) {

        int check(long value) {
            if (value < min || value > max) {
                throw invalid(String.valueOf(value));
            }
            return (int) value;
        }

        ConfigException invalid(String shown) {
            return Settings.invalid(name, "an integer from " + min + " to " + max, shown);
        }
    }

    String redisUrl;
    String redisHost;
    int redisPort = 6379;
    String redisPassword;
    boolean redisCluster;
    Path redisTlsCa;
    int redisExpireDays = 3;
    // 100 ms: counts on other nodes lag by at most that; halving it cost 5% of pixel throughput
    // in bench/run (Lettuce encoding a batch per tenant twice as often).
    Duration flushInterval = Duration.ofMillis(100);
    int maxPendingCounters = 1_000_000;
    String apiKey;
    Path logDir = Path.of("./data/logs");
    int logQueueCapacity = DailyFileHitLog.DEFAULT_QUEUE_CAPACITY;
    ZoneId zone = ZoneId.of("UTC");
    String nodeId;
    int maxIncrement = 1000;
    Pattern redirectAllowed;
    int rateLimit = 10;
    Integer rateBurst;
    int rateLimitClients = 100_000;
    List<String> trustedProxies = List.of();
    Map<String, String> signingKeys = Map.of();
    Path geoIpDb;
    Path geoIpDir;
    List<String> geoIpEditions;
    URI geoIpUpdateUrl;
    String maxMindAccountId;
    String maxMindLicenseKey;
    boolean countBots;
    PrivacyPolicy.Signals privacySignals = PrivacyPolicy.Signals.STANDARD;
    PrivacyPolicy.LogIp logIp = PrivacyPolicy.LogIp.FULL;
    boolean countPrefetch;
    int botCacheSize = 10_000;
    Path archiveDir = Path.of("./data/archive");
    int maxRangeDays = 366;
    Path tenantKeysFile;
    List<String> corsOrigins = List.of();
    Path tenantsFile;
    boolean openTenants = true;
    int maxNewCountersPerDay = 100_000;
    int maxHitsPerSecond;
    UniquesPeriod uniquesPeriod = UniquesPeriod.DAY;
    java.util.function.Function<String, UniquesPeriod> uniquesPeriods;
    Path uniquesDir;
    int maxPendingVisitors = 1_000_000;
    int uniquesKeepDays = 35;
    java.util.function.Predicate<Hit> privateHits = Hit::privateHit;

    TypedSettings() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * REDIS_URL: {@code redis://[:password@]host:port}, {@code rediss://...}, a comma-separated list of
     * nodes for a Redis Cluster, or {@code redis-sentinel://host:port[,host:port]/db#master}; wins over
     * {@link #redisHost}. Null (the default) with no host: the embedded store.
     */
    public B redisUrl(String url) {
        redisUrl = url;
        return self();
    }

    /** REDIS_HOST: a host name or IP address of one Redis server, used when there is no {@link #redisUrl}. */
    public B redisHost(String host) {
        redisHost = host;
        return self();
    }

    /** REDIS_PORT of {@link #redisHost}, default 6379. */
    public B redisPort(int port) {
        redisPort = port;
        return self();
    }

    /** REDIS_AUTH: the password of {@link #redisHost}, or null for none. */
    public B redisPassword(String password) {
        redisPassword = password;
        return self();
    }

    /** REDIS_CLUSTER: the one {@link #redisUrl} is a seed node of a Redis Cluster. Default false. */
    public B redisCluster(boolean cluster) {
        redisCluster = cluster;
        return self();
    }

    /** REDIS_TLS_CA: a readable PEM file of CA certificates to trust for {@code rediss://}, or null. */
    public B redisTlsCa(Path caFile) {
        redisTlsCa = caFile;
        return self();
    }

    /** REDIS_EXPIRE_DAYS: days a Redis count outlives its day, default 3; above 9999, never expires. */
    public B redisExpireDays(int days) {
        redisExpireDays = days;
        return self();
    }

    /** FLUSH_INTERVAL_MS: how often counts go to Redis, 1 ms to 60 s, default 100 ms. */
    public B flushInterval(Duration interval) {
        flushInterval = Objects.requireNonNull(interval, "flushInterval");
        return self();
    }

    /** MAX_PENDING_COUNTERS: distinct (counter, day) counts that may wait for Redis, default 1000000. */
    public B maxPendingCounters(int max) {
        maxPendingCounters = max;
        return self();
    }

    /** UNIQUES_PERIOD: how long a visitor identity lives (day, week or month), for every tenant; default day. */
    public B uniquesPeriod(UniquesPeriod period) {
        uniquesPeriod = Objects.requireNonNull(period, "uniquesPeriod");
        return self();
    }

    /**
     * Each tenant's UNIQUES_PERIOD (a tenant registry plugs in here); null (the default) gives every
     * tenant {@link #uniquesPeriod}. Called off the request path, once per tenant and flush at most.
     */
    public B uniquesPeriods(java.util.function.Function<String, UniquesPeriod> perTenant) {
        uniquesPeriods = perTenant;
        return self();
    }

    /** UNIQUES_DIR: where the embedded store keeps its visitor salts and sketches, default {LOG_DIR}/uniques. */
    public B uniquesDir(Path dir) {
        uniquesDir = Objects.requireNonNull(dir, "uniquesDir");
        return self();
    }

    /**
     * UNIQUES_KEEP_DAYS: days a day's unique-visitor sketches are kept after it, for queries of closed
     * days too; default 35, never less than the live window; above 9999, forever (Redis).
     */
    public B uniquesKeepDays(int days) {
        uniquesKeepDays = days;
        return self();
    }

    /** MAX_PENDING_VISITORS: visitors that may wait for the next flush before more are left out of uniques, default 1000000. */
    public B maxPendingVisitors(int max) {
        maxPendingVisitors = max;
        return self();
    }

    /**
     * Which counted hits join no unique-visitor sketch (privacy signals, for example): the privacy
     * seam. Default none. Called on the request path: it must be cheap and do no I/O.
     */
    public B privateHits(java.util.function.Predicate<Hit> isPrivate) {
        privateHits = Objects.requireNonNull(isPrivate, "privateHits");
        return self();
    }

    /** API_KEY: the query key, at least 8 characters; null (the default) makes one at random. */
    public B apiKey(String key) {
        apiKey = key;
        return self();
    }

    /** LOG_DIR: where the daily logs go, default ./data/logs. */
    public B logDir(Path dir) {
        logDir = Objects.requireNonNull(dir, "logDir");
        return self();
    }

    /** LOG_QUEUE_CAPACITY: hits that may wait for the log writer, default 65536. */
    public B logQueueCapacity(int capacity) {
        logQueueCapacity = capacity;
        return self();
    }

    /** TIMEZONE: where a day begins, default UTC. */
    public B timeZone(ZoneId zone) {
        this.zone = Objects.requireNonNull(zone, "timeZone");
        return self();
    }

    /** NODE_ID: 1 to 64 characters of {@code [A-Za-z0-9_.-]} for log file names and lines, or null. */
    public B nodeId(String node) {
        nodeId = node;
        return self();
    }

    /** MAX_INCREMENT: the largest {@code v} a pixel may add, default 1000. */
    public B maxIncrement(int max) {
        maxIncrement = max;
        return self();
    }

    /**
     * REDIRECT_ALLOWED: hosts {@code redir} may send to, matched in full and always case-insensitively;
     * null (the default) for none.
     */
    public B redirectAllowed(Pattern hosts) {
        redirectAllowed = hosts == null || (hosts.flags() & Pattern.CASE_INSENSITIVE) != 0 ? hosts
                : Pattern.compile(hosts.pattern(), hosts.flags() | Pattern.CASE_INSENSITIVE);
        return self();
    }

    /** RATE_LIMIT: hits a second one client may send after its burst, default 10; 0 turns the limit off. */
    public B rateLimit(int hitsPerSecond) {
        rateLimit = hitsPerSecond;
        return self();
    }

    /** RATE_BURST: hits one client may send at once; defaults to the rate limit (at least 1). */
    public B rateBurst(int hits) {
        rateBurst = hits;
        return self();
    }

    /** RATE_LIMIT_CLIENTS: how many clients the rate limiter remembers, default 100000. */
    public B rateLimitClients(int clients) {
        rateLimitClients = clients;
        return self();
    }

    /** TRUSTED_PROXIES: CIDRs or addresses (IPv4, IPv6) whose X-Forwarded-For is believed; none by default. */
    public B trustedProxies(List<String> cidrs) {
        trustedProxies = List.copyOf(cidrs);
        return self();
    }

    /** SIGNING_KEYS: tenant to secret (16 characters or more); those tenants' pixels must be signed. */
    public B signingKeys(Map<String, String> tenantSecrets) {
        signingKeys = Map.copyOf(tenantSecrets);
        return self();
    }

    /** GEOIP_DB: the {@code .mmdb} to serve, or null. */
    public B geoIpDb(Path db) {
        geoIpDb = db;
        return self();
    }

    /** GEOIP_DIR: where downloads go and, without a {@link #geoIpDb}, the database is found; or null. */
    public B geoIpDir(Path dir) {
        geoIpDir = dir;
        return self();
    }

    /** GEOIP_EDITIONS: the edition ids to download, default GeoLite2-City. */
    public B geoIpEditions(List<String> editions) {
        geoIpEditions = List.copyOf(editions);
        return self();
    }

    /** GEOIP_UPDATE_URL: the update server, an http(s) URL without user info; default MaxMind's. */
    public B geoIpUpdateUrl(URI url) {
        geoIpUpdateUrl = url;
        return self();
    }

    /** MAXMIND_ACCOUNT_ID: with a {@link #maxMindLicenseKey}, turns weekly GeoIP updates on. */
    public B maxMindAccountId(String accountId) {
        maxMindAccountId = accountId;
        return self();
    }

    /** MAXMIND_LICENSE_KEY: with a {@link #maxMindAccountId}, turns weekly GeoIP updates on. */
    public B maxMindLicenseKey(String licenseKey) {
        maxMindLicenseKey = licenseKey;
        return self();
    }

    /** COUNT_BOTS: whether hits from crawlers and headless browsers count; default false. */
    public B countBots(boolean count) {
        countBots = count;
        return self();
    }

    /** PRIVACY: whether Sec-GPC / DNT make a hit private (logged without identity); default standard. */
    public B privacy(PrivacyPolicy.Signals signals) {
        privacySignals = Objects.requireNonNull(signals, "privacy");
        return self();
    }

    /** LOG_IP: the form of the client address in the log; default full. */
    public B logIp(PrivacyPolicy.LogIp form) {
        logIp = Objects.requireNonNull(form, "logIp");
        return self();
    }

    /** COUNT_PREFETCH: whether browser prefetches and prerenders count; default false. */
    public B countPrefetch(boolean count) {
        countPrefetch = count;
        return self();
    }

    /** BOT_CACHE_SIZE: user agents whose bot verdict is remembered, default 10000; 0 for none. */
    public B botCacheSize(int size) {
        botCacheSize = size;
        return self();
    }

    /** ARCHIVE_DIR: where the embedded archive keeps daily totals, default ./data/archive. */
    public B archiveDir(Path dir) {
        archiveDir = Objects.requireNonNull(dir, "archiveDir");
        return self();
    }

    /** MAX_RANGE_DAYS: the longest range a query may ask for, 1 to 3660 days, default 366. */
    public B maxRangeDays(int days) {
        maxRangeDays = days;
        return self();
    }

    /** TENANT_KEYS: the file of tenant keys, or null: they then live in Redis when there is one. */
    public B tenantKeysFile(Path file) {
        tenantKeysFile = file;
        return self();
    }

    /** CORS_ORIGINS: origins a browser may query from, such as {@code https://app.example.com}, or "*". */
    public B corsOrigins(List<String> origins) {
        corsOrigins = List.copyOf(origins);
        return self();
    }

    /**
     * TENANTS: the TOML file of the tenant registry; null (the default) means ./data/tenants.toml with
     * the embedded store and the registry in Redis with Redis (TENANTS set with Redis is an error).
     */
    public B tenantsFile(Path file) {
        tenantsFile = file;
        return self();
    }

    /** OPEN_TENANTS: whether a tenant not in the registry may count (default true); false: its pixels are 404. */
    public B openTenants(boolean open) {
        openTenants = open;
        return self();
    }

    /** MAX_NEW_COUNTERS_PER_DAY: the new counters a tenant may make a day on a node, unless it says otherwise; default 100000. */
    public B maxNewCountersPerDay(int max) {
        maxNewCountersPerDay = max;
        return self();
    }

    /** MAX_HITS_PER_SECOND: the hits a second a tenant may send a node, unless it says otherwise; default 0 (off). */
    public B maxHitsPerSecond(int max) {
        maxHitsPerSecond = max;
        return self();
    }

    /** The registry file to use: TENANTS, or the default beside the data without Redis; null with Redis. */
    final Path checkedTenantsFile(String checkedRedisUrl) {
        if (checkedRedisUrl != null) {
            if (tenantsFile != null) {
                throw new ConfigException("TENANTS: expected unset with REDIS_URL or REDIS_HOST (the tenant registry "
                        + "then lives in Redis), got " + tenantsFile);
            }
            return null;
        }
        return tenantsFile != null ? tenantsFile : DEFAULT_TENANTS;
    }

    /** The Redis URL to use, from {@link #redisUrl} or else the host, port and password; null for none. */
    final String checkedRedisUrl() {
        if (redisUrl == null && redisHost == null) {
            return null;
        }
        return RedisUrlCheck.url(redisUrl, redisHost, redisUrl != null ? 0 : REDIS_PORT.check(redisPort), redisPassword);
    }

    /** Whether {@code url} (checked) reaches a Sentinel; refuses REDIS_CLUSTER with one. */
    final boolean checkedSentinel(String url) {
        return RedisUrlCheck.sentinel(url, redisCluster);
    }

    final Path checkedRedisTlsCa() {
        if (redisTlsCa != null && !Files.isReadable(redisTlsCa)) {
            throw Settings.invalid("REDIS_TLS_CA", "a readable PEM file of CA certificates", redisTlsCa.toString());
        }
        return redisTlsCa;
    }

    final Duration checkedFlushInterval() {
        long millis;
        try {
            millis = flushInterval.toMillis();
        } catch (ArithmeticException e) {
            millis = flushInterval.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return Duration.ofMillis(FLUSH_INTERVAL_MS.check(millis));
    }

    final String checkedApiKey() {
        if (apiKey == null) {
            byte[] bytes = new byte[24];
            new SecureRandom().nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        }
        if (apiKey.length() < 8) {
            throw Settings.invalidSecret("API_KEY", "at least 8 characters");
        }
        return apiKey;
    }

    final String checkedNodeId() {
        if (nodeId != null && !LogFileName.isValidNode(nodeId)) {
            throw Settings.invalid("NODE_ID", "1 to 64 characters of [A-Za-z0-9_.-]", nodeId);
        }
        return nodeId;
    }

    final int checkedRateBurst(int checkedRateLimit) {
        return RATE_BURST.check(rateBurst != null ? rateBurst : Math.max(checkedRateLimit, 1));
    }

    final List<String> checkedCorsOrigins() {
        List<String> out = new ArrayList<>();
        for (String one : corsOrigins) {
            String o = one.trim();
            if (o.isEmpty()) {
                continue;
            }
            if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?")) {
                throw Settings.invalid("CORS_ORIGINS", "* or a comma list of origins such as https://app.example.com",
                        String.join(",", corsOrigins));
            }
            out.add(o);
        }
        return List.copyOf(out);
    }
}
