package io.restycounter.app;

import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Settings;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantKeys;
import io.restycounter.core.embedded.FileTenantKeys;
import io.restycounter.core.redis.RedisLink;
import io.restycounter.core.redis.RedisTenantKeys;
import io.restycounter.core.redis.RedisTenantSource;
import io.restycounter.core.tenant.FileTenantSource;
import io.restycounter.core.tenant.TenantSettings;
import io.restycounter.core.tenant.TenantSource;
import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tenant}: manages the tenant registry, in the TENANTS file (default ./data/tenants.toml) or in
 * Redis when Redis is configured. Running servers see each change within seconds, without restart.
 * Exit codes: 0 done, 1 the registry could not be read or written, 2 a bad argument or setting (the
 * line names it), 4 the tenant is not registered (or, for add, already is).
 */
@Command(name = "tenant", description = {"Manages the tenant registry (TENANTS file, or Redis when configured):",
            "  tenant add ID | tenant remove ID | tenant list | tenant show ID",
            "  tenant set ID NAME VALUE   (\"\" puts NAME back to the server's default)",
            "  tenant key create ID       (prints the key once; only its SHA-256 is kept)",
            "  tenant key revoke ID       (removes every key of the tenant)",
            "Settings: signing-secret, redirect-hosts, max-new-counters-per-day (or max-counters), "
                    + "max-hits-per-second, counters, time-zone, privacy, uniques-period.",
            "A new time-zone starts at the tenant's next local midnight; no count already made moves."})
final class TenantCommand implements Callable<Integer> {

    static final int EXIT_FAILED = 1;
    /** As Main's EXIT_CONFIG: a bad setting or argument. */
    static final int EXIT_USAGE = 2;
    static final int EXIT_NOT_REGISTERED = 4;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(arity = "1..*", paramLabel = "WORDS", description = "the action and its arguments, as above")
    List<String> words;

    @Override
    public Integer call() {
        return run(Settings.fromEnvironment(), words, System.out, System.err);
    }

    /** Runs {@code tenant WORDS...} against the registry {@code settings} describe. */
    static int run(Settings settings, List<String> words, PrintStream out, PrintStream err) {
        return run(settings, words, out, err, Clock.systemUTC());
    }

    /** As above, with the clock that says when a new time zone starts (the next local midnight). */
    static int run(Settings settings, List<String> words, PrintStream out, PrintStream err, Clock clock) {
        CounterConfig config;
        try {
            config = CounterConfig.from(settings);
        } catch (ConfigException e) {
            err.println("tenant: " + e.getMessage());
            return EXIT_USAGE;
        }
        String action = words.isEmpty() ? "" : words.get(0);
        int arity = switch (action) {
            case "list" -> 1;
            case "add", "remove", "show" -> 2;
            case "key" -> 3;
            case "set" -> 4;
            default -> -1;
        };
        if (arity < 0) {
            err.println("tenant: action: expected add, set, key, list, show or remove, got \"" + action + "\"");
            return EXIT_USAGE;
        }
        if (words.size() != arity) {
            err.println("tenant " + action + ": expected " + (arity - 1) + " argument" + (arity == 2 ? "" : "s")
                    + " after " + action + ", got " + (words.size() - 1) + " (see tenant --help)");
            return EXIT_USAGE;
        }
        String id = action.equals("list") ? null : words.get(action.equals("key") ? 2 : 1);
        if (id != null && !CounterKey.isValidTenant(id)) {
            err.println("tenant " + action + ": tenant: expected [a-z0-9]{1,32}, got \"" + id + "\"");
            return EXIT_USAGE;
        }
        RedisLink link = config.redisUrl() == null ? null : RedisLink.connect(config);
        TenantSource source = link != null ? new RedisTenantSource(link) : new FileTenantSource(config.tenantsFile());
        TenantKeys legacy = config.tenantKeysFile() != null ? new FileTenantKeys(config.tenantKeysFile())
                : link != null ? new RedisTenantKeys(link, false) : TenantKeys.none();
        try {
            return switch (action) {
                case "list" -> list(source, out);
                case "add" -> add(source, id, out, err);
                case "remove" -> remove(source, id, out, err);
                case "show" -> show(source, config, id, out);
                case "set" -> set(source, config, clock, id, words.get(2), words.get(3), out, err);
                default -> key(source, legacy, config, words.get(1), id, out, err);
            };
        } catch (TenantSource.UnknownTenantException e) {
            err.println("tenant " + action + ": " + e.getMessage());
            return EXIT_NOT_REGISTERED;
        } catch (IllegalArgumentException e) {
            err.println("tenant " + action + ": " + e.getMessage());
            return EXIT_USAGE;
        } catch (StoreException e) {
            err.println("tenant " + action + ": " + e.getMessage());
            return EXIT_FAILED;
        } finally {
            legacy.close();
            source.close();
            if (link != null) {
                link.close();
            }
        }
    }

    private static int list(TenantSource source, PrintStream out) throws StoreException {
        for (TenantSettings t : source.load().values()) {
            StringBuilder line = new StringBuilder(t.id());
            for (Map.Entry<String, Object> e : t.shown().entrySet()) {
                line.append("  ").append(e.getKey()).append('=').append(e.getValue());
            }
            out.println(line);
        }
        return 0;
    }

    private static int add(TenantSource source, String id, PrintStream out, PrintStream err) throws StoreException {
        if (source.exists(id)) {
            err.println("tenant add: tenant: " + id + " is already registered in " + source.describe());
            return EXIT_NOT_REGISTERED;
        }
        source.update(id, true, t -> t);
        out.println("added tenant " + id + " to " + source.describe());
        return 0;
    }

    private static int remove(TenantSource source, String id, PrintStream out, PrintStream err) throws StoreException {
        if (!source.remove(id)) {
            throw new TenantSource.UnknownTenantException(id, source.describe());
        }
        out.println("removed tenant " + id + " and its keys from " + source.describe() + " (its counts stay)");
        return 0;
    }

    private static int show(TenantSource source, CounterConfig config, String id, PrintStream out) throws StoreException {
        TenantSettings t = source.load().get(id);
        if (t == null) {
            throw new TenantSource.UnknownTenantException(id, source.describe());
        }
        Map<String, Object> shown = t.shown();
        out.println("[" + id + "]");
        for (String name : TenantSettings.NAMES) {
            Object v = shown.get(name);
            out.println(name + " = " + (v != null ? v : "(default" + serverDefault(config, name) + ")"));
        }
        return 0;
    }

    private static String serverDefault(CounterConfig config, String name) {
        return switch (name) {
            case TenantSettings.MAX_NEW_COUNTERS_PER_DAY -> ": " + config.maxNewCountersPerDay();
            case TenantSettings.MAX_HITS_PER_SECOND -> config.maxHitsPerSecond() == 0 ? ": off" : ": " + config.maxHitsPerSecond();
            case TenantSettings.TIME_ZONE -> ": " + config.zone().getId();
            case TenantSettings.TIME_ZONE_FROM, TenantSettings.TIME_ZONE_BEFORE -> ": no change of zone";
            case TenantSettings.REDIRECT_HOSTS -> ": REDIRECT_ALLOWED";
            case TenantSettings.SIGNING_SECRET -> ": SIGNING_KEYS";
            case TenantSettings.COUNTERS -> ": any counter";
            default -> "";
        };
    }

    private static int set(TenantSource source, CounterConfig config, Clock clock, String id, String name, String value,
            PrintStream out, PrintStream err) throws StoreException {
        if (name.equals(TenantSettings.KEYS)) {
            err.println("tenant set: keys: managed with tenant key create|revoke " + id);
            return EXIT_USAGE;
        }
        boolean zone = name.equals(TenantSettings.TIME_ZONE) || name.equals(TenantSettings.TIME_ZONE_ALIAS);
        TenantSettings t = source.update(id, false, before -> zone ? before.withTimeZone(value, config.zone(), clock.instant())
                : before.with(name, value));
        String canonical = name.equals(TenantSettings.MAX_COUNTERS_ALIAS) ? TenantSettings.MAX_NEW_COUNTERS_PER_DAY
                : zone ? TenantSettings.TIME_ZONE : name;
        Object shown = t.shown().get(canonical);
        out.println("tenant " + id + ": " + canonical + " = " + (shown == null ? "(default)" : shown)
                + (zone && t.zoneChange() != null && t.zoneChange().from().isAfter(LocalDate.ofInstant(clock.instant(),
                        t.zoneChange().before())) ? " from " + t.zoneChange().from() + " (until then "
                        + t.zoneChange().before().getId() + ")" : ""));
        return 0;
    }

    private static int key(TenantSource source, TenantKeys legacy, CounterConfig config, String verb, String id,
            PrintStream out, PrintStream err) throws StoreException {
        boolean registered = source.exists(id);
        // A tenant that only TENANT_KEYS knows keeps its keys there, exactly as before the registry.
        boolean inLegacyFile = !registered && config.tenantKeysFile() != null;
        switch (verb) {
            case "create" -> {
                String key = TenantKeys.newKey();
                String digest = TenantKeys.sha256Hex(key);
                if (inLegacyFile) {
                    legacy.add(id, digest);
                } else {
                    source.update(id, true, t -> {
                        Set<String> keys = new HashSet<>(t.keyDigests());
                        keys.add(digest);
                        return t.with(TenantSettings.KEYS, List.copyOf(keys));
                    });
                }
                out.println(key);
                err.println("tenant key create: created a key for " + id + (registered || inLegacyFile ? ""
                        : " (and registered " + id + " in " + source.describe() + ")")
                        + "; it is shown once, only its SHA-256 is kept");
                return 0;
            }
            case "revoke" -> {
                int n = 0;
                if (registered) {
                    int[] had = new int[1];
                    source.update(id, false, t -> {
                        had[0] = t.keyDigests().size();
                        return t.with(TenantSettings.KEYS, null);
                    });
                    n += had[0];
                }
                if (config.tenantKeysFile() != null || !registered && config.redisUrl() != null) {
                    n += legacy.revokeAll(id);
                }
                out.println("revoked " + n + " key" + (n == 1 ? "" : "s") + " of " + id);
                return 0;
            }
            default -> {
                err.println("tenant key: action: expected create or revoke, got \"" + verb + "\"");
                return EXIT_USAGE;
            }
        }
    }
}
