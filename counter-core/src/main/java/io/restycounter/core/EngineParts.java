package io.restycounter.core;

import io.restycounter.core.embedded.FileCounterArchive;
import io.restycounter.core.embedded.FileIpHashKeys;
import io.restycounter.core.embedded.FileTenantKeys;
import io.restycounter.core.embedded.MemoryCounterStore;
import io.restycounter.core.log.DailyFileHitLog;
import io.restycounter.core.log.HitLogReader;
import io.restycounter.core.log.LogFileName;
import io.restycounter.core.redis.RedisCounterArchive;
import io.restycounter.core.redis.RedisIpHashKeys;
import io.restycounter.core.redis.RedisLink;
import io.restycounter.core.redis.RedisTenantKeys;
import io.restycounter.core.redis.RedisTenantSource;
import io.restycounter.core.tenant.FileTenantSource;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.core.tenant.TenantSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link CounterEngine#start} makes its parts from a {@code CounterConfig}: the archive, the tenant
 * keys and registry, each tenant's privacy, the LOG_IP key of the day, and the embedded store rebuilt
 * from the logs; and how a failed start closes what it had made.
 */
final class EngineParts {

    /** By name, not by class: its lines are the engine's start, and this class must not depend on the engine. */
    private static final Logger LOG = LoggerFactory.getLogger("io.restycounter.core.CounterEngine");

    private EngineParts() {
    }

    /**
     * Closes the parts a failed start had made, last made first; what one of them throws is added to
     * {@code failure}, so the next still closes.
     */
    static void closeAll(Throwable failure, AutoCloseable... parts) {
        for (AutoCloseable part : parts) {
            if (part != null) {
                try {
                    part.close();
                } catch (Exception | Error e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    /**
     * The archive {@code config} describes: in Redis when there is one ({@code link}), else files in
     * ARCHIVE_DIR. The archive does not close {@code link}; its owner does, after the archive.
     */
    static CounterArchive archive(CounterConfig config, RedisLink link) {
        return link == null ? new FileCounterArchive(config.archiveDir()) : new RedisCounterArchive(link, false);
    }

    /**
     * The tenant keys {@code config} describes: the TENANT_KEYS file, else Redis when there is one, else
     * none. They do not close {@code link}; its owner does, after them.
     */
    static TenantKeys tenantKeys(CounterConfig config, RedisLink link) {
        if (config.tenantKeysFile() != null) {
            return new FileTenantKeys(config.tenantKeysFile());
        }
        return link == null ? TenantKeys.none() : new RedisTenantKeys(link, false);
    }

    /**
     * The tenant registry {@code config} describes: in Redis when there is one ({@code link}), else the
     * TENANTS file (default ./data/tenants.toml; a missing file is an empty registry), reloaded in the
     * background. A file that cannot be read or holds a bad value stops the start; Redis down at start
     * does not (the registry loads once Redis answers).
     *
     * @throws ConfigException naming TENANTS for a bad file
     */
    static TenantRegistry tenantRegistry(CounterConfig config, RedisLink link) {
        try {
            if (link != null) {
                return TenantRegistry.start(new RedisTenantSource(link), config.openTenants(),
                        TenantRegistry.POLL_EVERY, false);
            }
            if (config.tenantsFile() == null) {
                return TenantRegistry.none(config.openTenants());
            }
            return TenantRegistry.start(new FileTenantSource(config.tenantsFile()), config.openTenants(),
                    TenantRegistry.POLL_EVERY, true);
        } catch (StoreException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * The privacy policy of each tenant: the environment's (PRIVACY, LOG_IP, COUNT_PREFETCH), with the
     * registry's {@code privacy} of a tenant that sets one. Answered from the registry's snapshot in
     * memory, nothing allocated; the engine and the log both ask what this returns.
     */
    static TenantPrivacy tenantPrivacy(CounterConfig config, TenantRegistry tenants) {
        PrivacyPolicy base = config.privacy();
        PrivacyPolicy standard = new PrivacyPolicy(PrivacyPolicy.Signals.STANDARD, base.logIp(), base.countPrefetch());
        PrivacyPolicy respecting = new PrivacyPolicy(PrivacyPolicy.Signals.RESPECT_SIGNALS, base.logIp(),
                base.countPrefetch());
        return tenant -> {
            TenantSettings settings = tenants.find(tenant);
            if (settings == null || settings.privacy() == null) {
                return base;
            }
            return settings.privacy() == TenantSettings.Privacy.RESPECT_SIGNALS ? respecting : standard;
        };
    }

    /**
     * Each tenant's uniques period: the registry's {@code uniques-period} of a tenant that sets one, else
     * the config's seam (UNIQUES_PERIOD, or what an embedder set). Read from the registry's snapshot in
     * memory at each flush and query, so a change applies from the next period's salt on.
     */
    static java.util.function.Function<String, UniquesPeriod> uniquesPeriods(CounterConfig config,
            TenantRegistry tenants) {
        java.util.function.Function<String, UniquesPeriod> base = config.uniquesPeriods();
        return tenant -> {
            TenantSettings settings = tenants.find(tenant);
            if (settings == null || settings.uniquesPeriod() == null) {
                return base.apply(tenant);
            }
            return UniquesPeriod.valueOf(settings.uniquesPeriod().name());
        };
    }

    /**
     * The keys of the day for LOG_IP=hashed: in Redis when there is one, shared by every node; else a
     * file in LOG_DIR. Asked for only when a line is hashed; they need no closing.
     */
    static IpHashKeys ipHashKeys(CounterConfig config, RedisLink link, Clock clock) {
        return link == null ? new FileIpHashKeys(config.logDir(), config.zone(), clock)
                : new RedisIpHashKeys(link, config.zone(), clock);
    }

    /**
     * Rebuilds each tenant's today and yesterday from the files of the server days that can hold them
     * (the day before yesterday too: a tenant behind TIMEZONE has its yesterday there), dating each line
     * as it was counted ({@link TenantCalendar#dayOfLine}).
     */
    static void rebuild(MemoryCounterStore store, DailyFileHitLog log, CounterConfig config, TenantCalendar calendar,
            Clock clock) {
        LocalDate today = LocalDate.now(clock.withZone(config.zone()));
        java.util.Map<String, LocalDate> firstKept = new java.util.HashMap<>();
        for (LocalDate day : new LocalDate[] {today.minusDays(2), today.minusDays(1), today}) {
            LocalDate fileDay = day;
            java.util.function.BiFunction<CounterKey, Long, LocalDate> kept = (key, millis) -> {
                LocalDate d = calendar.dayOfLine(key.tenant(), millis, fileDay);
                return d.isBefore(firstKept.computeIfAbsent(key.tenant(), t -> calendar.today(t, clock).minusDays(1))) ? null : d;
            };
            HitLogReader.DatedSink counts = (key, inc, millis) -> {
                LocalDate d = kept.apply(key, millis);
                if (d == null) {
                    return;
                }
                if (millis != Long.MIN_VALUE && d.equals(calendar.dayOf(key.tenant(), millis))) {
                    store.increment(key, d, calendar.hourOf(key.tenant(), millis), inc);
                } else {
                    store.increment(key, d, inc); // a line without ts, or dated by its file: no hour to give it
                }
            };
            HitLogReader.DatedFateSink fates = (key, fate, millis) -> {
                LocalDate d = kept.apply(key, millis);
                if (d != null) {
                    store.fate(key, d, fate);
                }
            };
            Path file = log.fileFor(day);
            List<Path> files = new ArrayList<>(List.of(file));
            if (config.nodeId() != null) {
                // Written before this node had an id (the Jetty app now defaults NODE_ID to the host name).
                files.add(file.resolveSibling(new LogFileName(day, null).toString()));
            }
            for (Path f : files) {
                // Yesterday's file may already be shipped to S3 and moved aside.
                for (Path candidate : new Path[] {f.resolveSibling(DailyFileHitLog.SHIPPED_DIR).resolve(f.getFileName()), f}) {
                    if (Files.exists(candidate)) {
                        rebuildFrom(candidate, day, config.countBots(), counts, fates);
                    }
                }
            }
        }
    }

    private static void rebuildFrom(Path file, LocalDate day, boolean countBots, HitLogReader.DatedSink counts,
            HitLogReader.DatedFateSink fates) {
        try {
            HitLogReader.Result r = HitLogReader.readDated(file, countBots, counts, fates);
            LOG.info("rebuilt {} from {}: {} hits{}", day, file, r.counted(),
                    r.skipped() > 0 ? ", " + r.skipped() + " unreadable lines skipped" : "");
        } catch (IOException e) {
            throw new IllegalStateException("LOG_DIR: cannot read " + file + " to rebuild counts: " + e.getMessage(), e);
        }
    }

    /** The Redis crash replay, unless the tenants' zones are unknown: it would move counts between their days. */
    static void replay(io.restycounter.core.redis.RedisCounterStore store, CounterConfig config, TenantCalendar calendar) {
        if (calendar.ready()) {
            store.replayLog(config, calendar);
        } else {
            LOG.warn("REPLAY SKIPPED: the tenant registry could not be read, so the tenants' time zones are unknown; "
                    + "counts of a crash before this start may be short or long until the archive closes the day");
        }
    }

    static java.util.concurrent.atomic.LongAdder[] adders(int n) {
        java.util.concurrent.atomic.LongAdder[] a = new java.util.concurrent.atomic.LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new java.util.concurrent.atomic.LongAdder();
        }
        return a;
    }

    static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The embedded store's unique-visitor sketches in UNIQUES_DIR, loaded and flushing. */
    static io.restycounter.core.audience.DaySketches daySketches(CounterConfig config, Clock clock, int retainDays,
            io.restycounter.core.audience.VisitorPeriods periods) {
        try {
            var sketches = new io.restycounter.core.audience.DaySketches(config.uniquesDir(), periods,
                    config.zone(), clock, retainDays, config.maxPendingVisitors());
            sketches.start(config.flushInterval());
            return sketches;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("UNIQUES_DIR: cannot use " + config.uniquesDir() + ": " + FileErrors.reason(e), e);
        }
    }
}
