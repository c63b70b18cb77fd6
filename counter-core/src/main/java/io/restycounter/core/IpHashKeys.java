package io.restycounter.core;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of LOG_IP=hashed: one random key per day (in TIMEZONE), shared by every node that logs the
 * day, and deleted {@link #GRACE} after the day ends, so a hash can be compared within its day and with
 * nothing after it. Where the key lives is the subclass's: Redis (created with SET NX and an expiry) or
 * a file in LOG_DIR ({@code rw-------}).
 *
 * <p>Asked by the log writer, off the request path: a day's key is read from its source once and then
 * held in memory until the day's grace ends. A source that fails is not asked again for {@link #RETRY};
 * meanwhile {@link #keyFor} answers null and the lines go without {@code ip}, never with the address.
 */
public abstract class IpHashKeys {

    /** How long after its day a key still serves: lines of the day still queued, a node's clock a little behind. */
    public static final Duration GRACE = Duration.ofMinutes(5);
    static final Duration RETRY = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(IpHashKeys.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int KEY_BYTES = 32;

    private final ZoneId zone;
    private final Clock clock;
    private final Map<LocalDate, byte[]> held = new HashMap<>();
    private long retryAt = Long.MIN_VALUE;
    private boolean failing;

    protected IpHashKeys(ZoneId zone, Clock clock) {
        this.zone = zone;
        this.clock = clock;
    }

    /** No source: every hashed line goes without {@code ip}. */
    public static IpHashKeys unavailable() {
        return new IpHashKeys(ZoneId.of("UTC"), Clock.systemUTC()) {
            @Override
            protected String load(LocalDate day, String candidate, long expiresAtMillis) {
                return null;
            }

            @Override
            protected void deleteEnded(LocalDate before) {
            }
        };
    }

    /**
     * The key of {@code day}, or null when there is none to use: the day ended more than {@link #GRACE}
     * ago, or its source failed within {@link #RETRY}. May wait on the source once per day.
     */
    public final synchronized byte[] keyFor(LocalDate day) {
        byte[] key = held.get(day);
        if (key != null) {
            return key;
        }
        long now = clock.millis();
        long expiresAt = expiresAt(day);
        if (now >= expiresAt || now < retryAt) {
            return null;
        }
        String hex;
        try {
            hex = load(day, HexFormat.of().formatHex(randomKey()), expiresAt);
        } catch (Exception e) {
            retryAt = now + RETRY.toMillis();
            if (!failing) {
                failing = true;
                LOG.warn("LOG_IP=hashed: cannot read the key of {}: {}; lines go without ip until it can (next try in {} s)",
                        day, e.getMessage(), RETRY.toSeconds());
            }
            return null;
        }
        if (hex == null) {
            return null;
        }
        if (failing) {
            failing = false;
            LOG.info("LOG_IP=hashed: the key of {} is read; lines carry hashed addresses again", day);
        }
        key = HexFormat.of().parseHex(hex);
        held.put(day, key);
        forgetEnded(now);
        return key;
    }

    /**
     * Forgets every key whose day ended more than {@link #GRACE} ago, in memory and at its source. The
     * log writer calls it about once a minute; a source also forgets on its own (a Redis expiry).
     */
    public final synchronized void forgetEnded() {
        forgetEnded(clock.millis());
    }

    private void forgetEnded(long now) {
        forgetEndedKeys(now);
        try {
            deleteEnded(lastEndedDay(now));
        } catch (Exception e) {
            LOG.warn("LOG_IP=hashed: cannot delete ended keys: {}", e.getMessage());
        }
    }

    private void forgetEndedKeys(long now) {
        for (Iterator<Map.Entry<LocalDate, byte[]>> it = held.entrySet().iterator(); it.hasNext();) {
            Map.Entry<LocalDate, byte[]> e = it.next();
            if (now >= expiresAt(e.getKey())) {
                Arrays.fill(e.getValue(), (byte) 0);
                it.remove();
            }
        }
    }

    /** The newest day whose key is past its grace at {@code now}: it and every day before it must be gone. */
    protected final LocalDate lastEndedDay(long now) {
        LocalDate today = java.time.Instant.ofEpochMilli(now - GRACE.toMillis()).atZone(zone).toLocalDate();
        return today.minusDays(1);
    }

    /** When {@code day}'s key stops serving: the day's end in TIMEZONE plus {@link #GRACE}. */
    protected final long expiresAt(LocalDate day) {
        return day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli() + GRACE.toMillis();
    }

    protected final Clock clock() {
        return clock;
    }

    /**
     * The key of {@code day} as hex: the one already stored, or else {@code candidate}, stored now to
     * expire at {@code expiresAtMillis}; atomic, so every node gets the same. Null when there is no source.
     */
    protected abstract String load(LocalDate day, String candidate, long expiresAtMillis) throws Exception;

    /** Deletes the stored keys of {@code last} and every day before it. */
    protected abstract void deleteEnded(LocalDate last) throws Exception;

    private static byte[] randomKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }
}
