package io.restycounter.core.tenant;

import io.restycounter.core.CounterKey;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One tenant of the registry, checked: its query keys (SHA-256 digests, hex), signing secret, redirect
 * hosts, quotas, counter rules, time zone (and its last {@link ZoneChange}, null when none), privacy and
 * uniques period. A null setting means "the server's default". Immutable; {@link #with} makes a changed
 * copy, {@link #withTimeZone} a change of zone that starts at the next local midnight.
 */
public record TenantSettings(String id, Set<String> keyDigests, String signingSecret, RedirectHosts redirectHosts,
        Long maxNewCountersPerDay, Integer maxHitsPerSecond, CounterRules counters, ZoneId timeZone,
        Privacy privacy, UniquesPeriod uniquesPeriod, ZoneChange zoneChange) {

    public static final String KEYS = "keys";
    public static final String SIGNING_SECRET = "signing-secret";
    public static final String REDIRECT_HOSTS = "redirect-hosts";
    public static final String MAX_NEW_COUNTERS_PER_DAY = "max-new-counters-per-day";
    public static final String MAX_HITS_PER_SECOND = "max-hits-per-second";
    public static final String COUNTERS = "counters";
    public static final String TIME_ZONE = "time-zone";
    /** The first local date under {@link #TIME_ZONE}; with {@link #TIME_ZONE_BEFORE}, see {@link ZoneChange}. */
    public static final String TIME_ZONE_FROM = "time-zone-from";
    /** The zone that dates hits before {@link #TIME_ZONE_FROM}; both are written by {@code tenant set ID time-zone}. */
    public static final String TIME_ZONE_BEFORE = "time-zone-before";
    /** The name issue #18 uses for {@link #TIME_ZONE}; accepted by {@link #with}. */
    public static final String TIME_ZONE_ALIAS = "timezone";
    public static final String PRIVACY = "privacy";
    public static final String UNIQUES_PERIOD = "uniques-period";
    /** The name issue #16 uses for {@link #MAX_NEW_COUNTERS_PER_DAY}; accepted by {@link #with}. */
    public static final String MAX_COUNTERS_ALIAS = "max-counters";

    /** Every setting, in the order the file and {@code tenant show} list them. */
    public static final List<String> NAMES = List.of(KEYS, SIGNING_SECRET, REDIRECT_HOSTS, MAX_NEW_COUNTERS_PER_DAY,
            MAX_HITS_PER_SECOND, COUNTERS, TIME_ZONE, TIME_ZONE_FROM, TIME_ZONE_BEFORE, PRIVACY, UNIQUES_PERIOD);

    static final int MIN_SECRET_LENGTH = 16;
    static final int MAX_LIST = 1000;
    static final long MAX_NEW_COUNTERS = 100_000_000;
    static final int MAX_HITS = 10_000_000;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    /** {@code privacy}: what a hit's privacy signals change (issue #17). */
    public enum Privacy {
        STANDARD, RESPECT_SIGNALS;

        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** {@code uniques-period}: how long a visitor stays one visitor (issue #17). */
    public enum UniquesPeriod {
        DAY, WEEK, MONTH;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TenantSettings {
        if (!CounterKey.isValidTenant(id)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + id + "\"");
        }
        keyDigests = Set.copyOf(keyDigests);
    }

    /** A tenant with every setting at the server's default and no keys. */
    public static TenantSettings of(String id) {
        return new TenantSettings(id, Set.of(), null, null, null, null, null, null, null, null, null);
    }

    /**
     * A tenant from stored values: strings (Redis, the command line), numbers and lists (the TOML file).
     * A list setting may also be one comma-separated string. Unknown names are refused.
     *
     * @throws IllegalArgumentException naming the tenant and the setting, with what it expected
     */
    public static TenantSettings parse(String id, Map<String, ?> values) {
        TenantSettings t = of(id);
        Object from = null;
        Object before = null;
        for (Map.Entry<String, ?> e : values.entrySet()) {
            switch (e.getKey()) {
                case TIME_ZONE_FROM -> from = e.getValue();
                case TIME_ZONE_BEFORE -> before = e.getValue();
                default -> t = t.with(e.getKey(), e.getValue());
            }
        }
        return t.withZoneChange(from, before);
    }

    /**
     * A copy with setting {@code name} set to {@code value}; null or an empty string puts it back to the
     * server's default.
     *
     * @throws IllegalArgumentException naming the tenant and the setting, with what it expected
     */
    public TenantSettings with(String name, Object value) {
        boolean unset = value == null || value instanceof String s && s.isEmpty();
        switch (name) {
            case KEYS -> {
                Set<String> k = new TreeSet<>();
                for (String d : unset ? List.<String>of() : list(name, value)) {
                    String hex = d.toLowerCase(Locale.ROOT);
                    require(HEX64.matcher(hex).matches(), name, "SHA-256 digests of 64 hex digits", d);
                    k.add(hex);
                }
                return new TenantSettings(id, k, signingSecret, redirectHosts, maxNewCountersPerDay, maxHitsPerSecond,
                        counters, timeZone, privacy, uniquesPeriod, zoneChange);
            }
            case SIGNING_SECRET -> {
                String secret = unset ? null : value.toString();
                if (secret != null && secret.length() < MIN_SECRET_LENGTH) {
                    // The value is a secret: never shown.
                    throw new IllegalArgumentException("tenant " + id + ": " + name + ": expected at least "
                            + MIN_SECRET_LENGTH + " characters");
                }
                return new TenantSettings(id, keyDigests, secret, redirectHosts, maxNewCountersPerDay, maxHitsPerSecond,
                        counters, timeZone, privacy, uniquesPeriod, zoneChange);
            }
            case REDIRECT_HOSTS -> {
                List<String> hosts = null;
                if (!unset) {
                    hosts = new ArrayList<>();
                    for (String h : list(name, value)) {
                        String host = h.toLowerCase(Locale.ROOT);
                        require(HOST.matcher(host).matches() && host.length() <= 253, name,
                                "host names such as example.com or *.example.com", h);
                        hosts.add(host);
                    }
                }
                return new TenantSettings(id, keyDigests, signingSecret, hosts == null ? null : new RedirectHosts(hosts),
                        maxNewCountersPerDay, maxHitsPerSecond,
                        counters, timeZone, privacy, uniquesPeriod, zoneChange);
            }
            case MAX_NEW_COUNTERS_PER_DAY, MAX_COUNTERS_ALIAS -> {
                Long n = unset ? null : number(MAX_NEW_COUNTERS_PER_DAY, value, MAX_NEW_COUNTERS);
                return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, n, maxHitsPerSecond,
                        counters, timeZone, privacy, uniquesPeriod, zoneChange);
            }
            case MAX_HITS_PER_SECOND -> {
                Integer n = unset ? null : (int) number(name, value, MAX_HITS);
                return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay, n,
                        counters, timeZone, privacy, uniquesPeriod, zoneChange);
            }
            case COUNTERS -> {
                CounterRules rules = null;
                if (!unset) {
                    try {
                        rules = CounterRules.of(list(name, value));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("tenant " + id + ": " + name + ": " + e.getMessage());
                    }
                }
                return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay,
                        maxHitsPerSecond, rules, timeZone, privacy, uniquesPeriod, zoneChange);
            }
            case TIME_ZONE, TIME_ZONE_ALIAS -> {
                ZoneId zone = null;
                if (!unset) {
                    try {
                        zone = ZoneId.of(value.toString());
                    } catch (DateTimeException e) {
                        throw invalid(TIME_ZONE, "an IANA time zone such as Europe/Paris", value);
                    }
                }
                return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay,
                        maxHitsPerSecond, counters, zone, privacy, uniquesPeriod, zoneChange);
            }
            case TIME_ZONE_FROM, TIME_ZONE_BEFORE -> throw new IllegalArgumentException("tenant " + id + ": " + name
                    + ": set by tenant set " + id + " " + TIME_ZONE + " (the change starts at the next local midnight)");
            case PRIVACY -> {
                Privacy p = unset ? null : choice(name, value, Privacy.values(), Privacy::text);
                return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay,
                        maxHitsPerSecond, counters, timeZone, p, uniquesPeriod, zoneChange);
            }
            case UNIQUES_PERIOD -> {
                UniquesPeriod p = unset ? null : choice(name, value, UniquesPeriod.values(), UniquesPeriod::text);
                return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay,
                        maxHitsPerSecond, counters, timeZone, privacy, p, zoneChange);
            }
            default -> throw new IllegalArgumentException("tenant " + id + ": expected a setting among "
                    + String.join(", ", NAMES) + ", got \"" + name + "\"");
        }
    }

    /**
     * A copy whose time zone becomes {@code value} (null or empty: the server's zone) at the next local
     * midnight: the first date after today both in the zone that dates hits {@code now} and in the new
     * one, so every count made before keeps its day (see {@link ZoneChange}). A change to the zone in
     * force now cancels a change still pending.
     *
     * @throws IllegalArgumentException naming the tenant and {@code time-zone}, for a zone that is not IANA's
     */
    public TenantSettings withTimeZone(Object value, ZoneId serverZone, java.time.Instant now) {
        TenantSettings changed = with(TIME_ZONE, value);
        ZoneId inForce = zoneAt(serverZone, now);
        ZoneId next = changed.timeZone != null ? changed.timeZone : serverZone;
        ZoneChange change = null;
        if (!next.equals(inForce)) {
            LocalDate todayBefore = LocalDate.ofInstant(now, inForce);
            LocalDate todayNext = LocalDate.ofInstant(now, next);
            change = new ZoneChange(inForce, (todayBefore.isAfter(todayNext) ? todayBefore : todayNext).plusDays(1));
        } else if (zoneChange != null && !zoneChange.from().isAfter(LocalDate.ofInstant(now, next))) {
            change = zoneChange; // already in force: it still dates the days before it
        }
        return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay, maxHitsPerSecond,
                counters, changed.timeZone, privacy, uniquesPeriod, change);
    }

    /** The zone that dates a hit at {@code now}: the one before a change that has not started yet, else the tenant's. */
    public ZoneId zoneAt(ZoneId serverZone, java.time.Instant now) {
        ZoneId zone = timeZone != null ? timeZone : serverZone;
        if (zoneChange != null && LocalDate.ofInstant(now, zone).isBefore(zoneChange.from())) {
            return zoneChange.before();
        }
        return zone;
    }

    private TenantSettings withZoneChange(Object from, Object before) {
        if (from == null && before == null) {
            return this;
        }
        require(from != null, TIME_ZONE_FROM, "a date (yyyy-MM-dd) with " + TIME_ZONE_BEFORE, "");
        require(before != null, TIME_ZONE_BEFORE, "an IANA time zone with " + TIME_ZONE_FROM, "");
        LocalDate day;
        ZoneId zone;
        try {
            day = LocalDate.parse(from.toString().trim());
        } catch (DateTimeException e) {
            throw invalid(TIME_ZONE_FROM, "a date such as 2026-12-02", from);
        }
        try {
            zone = ZoneId.of(before.toString().trim());
        } catch (DateTimeException e) {
            throw invalid(TIME_ZONE_BEFORE, "an IANA time zone such as Europe/Paris", before);
        }
        return new TenantSettings(id, keyDigests, signingSecret, redirectHosts, maxNewCountersPerDay, maxHitsPerSecond,
                counters, timeZone, privacy, uniquesPeriod, new ZoneChange(zone, day));
    }

    /** The set settings as the file and Redis store them: strings, numbers, lists of strings. */
    public Map<String, Object> values() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!keyDigests.isEmpty()) {
            m.put(KEYS, List.copyOf(new TreeSet<>(keyDigests)));
        }
        putIfSet(m, SIGNING_SECRET, signingSecret);
        putIfSet(m, REDIRECT_HOSTS, redirectHosts == null ? null : redirectHosts.hosts());
        putIfSet(m, MAX_NEW_COUNTERS_PER_DAY, maxNewCountersPerDay);
        putIfSet(m, MAX_HITS_PER_SECOND, maxHitsPerSecond);
        putIfSet(m, COUNTERS, counters == null ? null : counters.rules());
        putIfSet(m, TIME_ZONE, timeZone == null ? null : timeZone.getId());
        putIfSet(m, TIME_ZONE_FROM, zoneChange == null ? null : zoneChange.from().toString());
        putIfSet(m, TIME_ZONE_BEFORE, zoneChange == null ? null : zoneChange.before().getId());
        putIfSet(m, PRIVACY, privacy == null ? null : privacy.text());
        putIfSet(m, UNIQUES_PERIOD, uniquesPeriod == null ? null : uniquesPeriod.text());
        return m;
    }

    /** {@link #values()} with the secret shown as {@code (set)} and keys as their count: for {@code tenant show}. */
    public Map<String, Object> shown() {
        Map<String, Object> m = values();
        m.put(KEYS, keyDigests.size() + " key" + (keyDigests.size() == 1 ? "" : "s"));
        m.computeIfPresent(SIGNING_SECRET, (k, v) -> "(set)");
        return m;
    }

    /** The signing secret's UTF-8 bytes, or null when the tenant has none here. */
    public byte[] signingSecretBytes() {
        return signingSecret == null ? null : signingSecret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "tenant " + id + " " + shown();
    }

    private static void putIfSet(Map<String, Object> m, String name, Object value) {
        if (value != null) {
            m.put(name, value);
        }
    }

    private List<String> list(String name, Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            for (Object o : c) {
                require(o instanceof String, name, "a list of strings", value);
                out.add(((String) o).trim());
            }
        } else if (value instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        } else {
            throw invalid(name, "a list of strings", value);
        }
        require(out.size() <= MAX_LIST, name, "at most " + MAX_LIST + " entries", out.size() + " entries");
        return out;
    }

    private long number(String name, Object value, long max) {
        long n;
        if (value instanceof Number num && !(value instanceof Double) && !(value instanceof Float)) {
            n = num.longValue();
        } else {
            try {
                n = Long.parseLong(value.toString().trim().replace("_", ""));
            } catch (NumberFormatException e) {
                n = -1;
            }
        }
        require(n >= 0 && n <= max, name, "an integer from 0 to " + max, value);
        return n;
    }

    private <E extends Enum<E>> E choice(String name, Object value, E[] options, java.util.function.Function<E, String> text) {
        List<String> shown = new ArrayList<>();
        for (E option : options) {
            if (text.apply(option).equals(value.toString().trim())) {
                return option;
            }
            shown.add(text.apply(option));
        }
        throw invalid(name, String.join(" or ", shown), value);
    }

    private void require(boolean ok, String name, String expected, Object got) {
        if (!ok) {
            throw invalid(name, expected, got);
        }
    }

    private IllegalArgumentException invalid(String name, String expected, Object got) {
        return new IllegalArgumentException("tenant " + id + ": " + name + ": expected " + expected + ", got \"" + got + "\"");
    }
}
