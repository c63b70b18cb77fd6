package io.restycounter.core.tenant;

import io.restycounter.core.StoreException;
import io.restycounter.core.TenantKeys;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which tenants exist and their settings, as an immutable snapshot that a pixel reads with one map
 * lookup (no I/O, no lock). A background thread asks the {@link TenantSource} for its version every
 * {@link #POLL_EVERY} and reads it whole only when the version moved; a reload that fails keeps the last
 * good snapshot and says why in the log, once per distinct error.
 */
public final class TenantRegistry implements AutoCloseable {

    public static final Duration POLL_EVERY = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(TenantRegistry.class);

    private final TenantSource source;
    private final boolean open;
    private volatile Map<String, TenantSettings> tenants = Map.of();
    private Object loadedVersion;
    /** Whether a load has succeeded: before it, the tenants' settings (their time zones too) are unknown. */
    private volatile boolean loaded;
    private String lastError;
    private ScheduledExecutorService poller;

    private TenantRegistry(TenantSource source, boolean open) {
        this.source = source;
        this.open = open;
    }

    /** No registry: every tenant is unknown; {@code open} says whether unknown tenants may count. */
    public static TenantRegistry none(boolean open) {
        return new TenantRegistry(null, open);
    }

    /**
     * Loads {@code source} once and, when {@code pollEvery} is not null, keeps reloading it in the
     * background until {@link #close}. The registry does not close the source's Redis link.
     *
     * @param strict whether a first load that fails is thrown; else it is logged, the registry starts
     *               empty and loads at the next poll that succeeds (Redis down at start)
     * @throws StoreException when {@code strict} and the first load fails (unreadable file, bad value)
     */
    public static TenantRegistry start(TenantSource source, boolean open, Duration pollEvery, boolean strict)
            throws StoreException {
        TenantRegistry r = new TenantRegistry(Objects.requireNonNull(source, "source"), open);
        try {
            r.reloadIfChanged();
        } catch (StoreException | RuntimeException e) {
            if (strict) {
                throw e;
            }
            r.reloadFailed(e);
        }
        if (pollEvery != null) {
            r.poller = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread t = new Thread(task, "tenant-registry");
                t.setDaemon(true);
                return t;
            });
            r.poller.scheduleWithFixedDelay(r::reloadQuietly, pollEvery.toMillis(), pollEvery.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return r;
    }

    /** The settings of {@code tenant}, or null when it is not registered. */
    public TenantSettings find(String tenant) {
        return tenants.get(tenant);
    }

    /**
     * Whether the tenants are known: no registry, or a load succeeded. A Redis registry that could not
     * be read at start is empty until then, and what dates a hit by its tenant's zone must wait.
     */
    public boolean loaded() {
        return source == null || loaded;
    }

    /** Whether a tenant not in the registry may count (OPEN_TENANTS). */
    public boolean open() {
        return open;
    }

    /** Whether {@code tenant} may count and be queried: registered, or the registry is open. */
    public boolean admits(String tenant) {
        return open || tenants.containsKey(tenant);
    }

    /** Every registered tenant, as of the last load. */
    public Map<String, TenantSettings> tenants() {
        return tenants;
    }

    /** Where the tenants are kept, or null without a registry. */
    public TenantSource source() {
        return source;
    }

    /**
     * Reads the source again if its version moved since the last load.
     *
     * @return whether a new snapshot was taken
     */
    public synchronized boolean reloadIfChanged() throws StoreException {
        if (source == null) {
            return false;
        }
        Object version = source.version();
        if (version.equals(loadedVersion)) {
            return false;
        }
        Map<String, TenantSettings> loaded = Map.copyOf(source.load());
        boolean first = loadedVersion == null;
        tenants = loaded;
        loadedVersion = version;
        this.loaded = true;
        lastError = null;
        if (first && loaded.isEmpty()) {
            return true;
        }
        LOG.info("tenant registry reloaded from {}: {} tenant{}", source.describe(), loaded.size(),
                loaded.size() == 1 ? "" : "s");
        return true;
    }

    private void reloadQuietly() {
        try {
            reloadIfChanged();
        } catch (StoreException | RuntimeException e) {
            reloadFailed(e);
        }
    }

    private synchronized void reloadFailed(Exception e) {
        String message = e.getMessage();
        if (!Objects.equals(message, lastError)) {
            lastError = message;
            LOG.warn("tenant registry: kept the last good tenants ({}), trying again every {} s: {}", tenants.size(),
                    POLL_EVERY.toSeconds(), message);
        }
    }

    /**
     * Query keys: those of the registry's tenants (checked again against the source's version first, so
     * a revoked key stops at the next query) and those of {@code legacy} (TENANT_KEYS), together.
     * Adding and revoking go to {@code legacy}.
     */
    public TenantKeys keys(TenantKeys legacy) {
        if (source == null) {
            return legacy;
        }
        return new TenantKeys() {
            @Override
            public Set<String> digests(String tenant) throws StoreException {
                // A registry edited into something bad keeps its last good keys, as the pixels keep its tenants.
                reloadQuietly();
                TenantSettings t = tenants.get(tenant);
                Set<String> old = legacy.digests(tenant);
                if (t == null || t.keyDigests().isEmpty()) {
                    return old;
                }
                if (old.isEmpty()) {
                    return t.keyDigests();
                }
                Set<String> both = new HashSet<>(old);
                both.addAll(t.keyDigests());
                return both;
            }

            @Override
            public void add(String tenant, String digestHex) throws StoreException {
                legacy.add(tenant, digestHex);
            }

            @Override
            public int revokeAll(String tenant) throws StoreException {
                return legacy.revokeAll(tenant);
            }

            @Override
            public void close() {
                legacy.close();
            }
        };
    }

    /** Stops the background reload and closes the source (a Redis source leaves the shared link open). */
    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
        if (source != null) {
            source.close();
        }
    }
}
