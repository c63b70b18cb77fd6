package io.restycounter.core;

import java.util.Locale;
import java.util.Objects;

/**
 * What the counter keeps of a tenant's visitors: whether it honours their privacy signals (PRIVACY),
 * how a log line keeps the client address (LOG_IP), and whether browser prefetches count
 * (COUNT_PREFETCH). Immutable; the environment's policy is the default of every tenant.
 *
 * @param signals       {@code standard}, or {@code respect-signals}: a hit that carries {@code Sec-GPC: 1}
 *                      or {@code DNT: 1} is counted, but logged without any field that identifies its client
 * @param logIp         the form of {@code ip} in the log line
 * @param countPrefetch whether a request a browser makes ahead of need ({@code Sec-Purpose: prefetch}) counts
 */
public record PrivacyPolicy(Signals signals, LogIp logIp, boolean countPrefetch) {

    /** The environment's defaults: the seed's log, prefetches not counted. */
    public static final PrivacyPolicy STANDARD = new PrivacyPolicy(Signals.STANDARD, LogIp.FULL, false);

    /** PRIVACY: what a privacy signal of the client changes. */
    public enum Signals {
        /** Signals change nothing. */
        STANDARD,
        /** {@code Sec-GPC: 1} or {@code DNT: 1}: counted, logged with no ip, xff, ua, referer or location. */
        RESPECT_SIGNALS;

        /** The setting's value, as the environment writes it. */
        public String value() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** LOG_IP: how a log line keeps the client address. */
    public enum LogIp {
        /** As the counter believes it (the seed's log). */
        FULL,
        /** IPv4 cut to its /24, IPv6 to its /48: the rest of the address is zero. */
        TRUNCATED,
        /** A keyed hash under a key of the day, which is deleted when the day ends. */
        HASHED,
        /** No {@code ip} field. */
        NONE;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public PrivacyPolicy {
        Objects.requireNonNull(signals, "signals");
        Objects.requireNonNull(logIp, "logIp");
    }

    /** Whether a hit with {@code signals} (of {@link HitSignals}) is logged without identity fields. */
    public boolean isPrivate(int hitSignals) {
        return signals == Signals.RESPECT_SIGNALS && (hitSignals & HitSignals.ASKS_PRIVACY) != 0;
    }

    /** Whether a hit with {@code signals} (of {@link HitSignals}) is a prefetch that does not count. */
    public boolean skipsPrefetch(int hitSignals) {
        return !countPrefetch && (hitSignals & HitSignals.PREFETCH) != 0;
    }

    /**
     * PRIVACY's value.
     *
     * @throws ConfigException naming PRIVACY when it is neither {@code standard} nor {@code respect-signals}
     */
    public static Signals parseSignals(String value) {
        for (Signals s : Signals.values()) {
            if (s.value().equalsIgnoreCase(value.trim())) {
                return s;
            }
        }
        throw Settings.invalid("PRIVACY", "standard or respect-signals", value);
    }

    /**
     * LOG_IP's value.
     *
     * @throws ConfigException naming LOG_IP when it is not full, truncated, hashed or none
     */
    public static LogIp parseLogIp(String value) {
        for (LogIp l : LogIp.values()) {
            if (l.value().equalsIgnoreCase(value.trim())) {
                return l;
            }
        }
        throw Settings.invalid("LOG_IP", "full, truncated, hashed or none", value);
    }
}
