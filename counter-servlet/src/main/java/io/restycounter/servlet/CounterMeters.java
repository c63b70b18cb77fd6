package io.restycounter.servlet;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Settings;
import io.restycounter.core.TenantTally;
import io.restycounter.core.http.PixelAnswer;
import io.restycounter.core.http.PixelTally;
import io.restycounter.core.redis.RedisLink;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The counter's metrics, for any Micrometer registry: pixels by answer, hits by fate, the store's pending
 * counters and flushes, the log's queue and writes. Every meter reads a sum the engine keeps anyway (a
 * LongAdder per row or outcome), so binding adds nothing to the pixel path. No meter carries a tenant unless
 * METRICS_PER_TENANT is true, and then at most METRICS_MAX_TENANTS tenants get series of their own (the rest
 * share {@code tenant="_other"}), so a million tenants cannot make a million series.
 *
 * <p>The Jetty app binds it to the Prometheus registry of its admin port; {@link CounterContextListener}
 * puts one in the webapp's {@link #CONTEXT_ATTRIBUTE} for the host app to bind to its own registry.
 */
public final class CounterMeters implements MeterBinder {

    /** The ServletContext attribute holding the webapp's CounterMeters. */
    public static final String CONTEXT_ATTRIBUTE = CounterMeters.class.getName();

    private final CounterEngine engine;
    private final PixelTally tally;
    /** Tenants with series of their own; 0: no tenant label at all. */
    private final int tenantLabels;

    public CounterMeters(CounterEngine engine, PixelTally tally) {
        this(engine, tally, 0);
    }

    /** With {@code tenantLabels > 0}: hits by tenant and fate too, for at most that many tenants. */
    public CounterMeters(CounterEngine engine, PixelTally tally, int tenantLabels) {
        this.engine = engine;
        this.tally = tally;
        this.tenantLabels = tenantLabels;
    }

    /** METRICS_PER_TENANT (default false) and METRICS_MAX_TENANTS (default 1,000): the tenants to label, or 0. */
    public static int tenantLabels(Settings s) {
        return s.getBoolean("METRICS_PER_TENANT", false) ? s.getInt("METRICS_MAX_TENANTS", 1000, 1, 100_000) : 0;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (PixelAnswer answer : PixelAnswer.values()) {
            FunctionCounter.builder("counter.pixels", tally, t -> t.count(answer))
                    .description("Pixel requests answered, by answer")
                    .tag("answer", name(answer))
                    .tag("status", Integer.toString(answer.status()))
                    .register(registry);
        }
        for (CounterEngine.Outcome fate : CounterEngine.Outcome.values()) {
            FunctionCounter.builder("counter.hits", engine, e -> e.fateCount(fate))
                    .description("Hits recorded, by fate")
                    .tag("fate", name(fate))
                    .register(registry);
        }
        FunctionCounter.builder("counter.hits.refused", engine, CounterEngine::refusedHits)
                .description("Hits refused because the store or the log was full")
                .register(registry);
        Gauge.builder("counter.store.pending.counters", engine, e -> e.storeStats().pendingCounters())
                .description("Counters (per counter and day) counted here and not yet confirmed by the store")
                .register(registry);
        Gauge.builder("counter.store.refusing", engine, e -> e.storeStats().refusingNewCounters() ? 1 : 0)
                .description("1 while hits on new counters are refused (MAX_PENDING_COUNTERS reached)")
                .register(registry);
        FunctionTimer.builder("counter.store.flush", engine, e -> e.storeStats().flushes(),
                        e -> e.storeStats().flushNanos(), TimeUnit.NANOSECONDS)
                .description("Flushes the store confirmed, and their time")
                .register(registry);
        FunctionCounter.builder("counter.store.flush.failures", engine, e -> e.storeStats().flushFailures())
                .description("Flushes the store did not take (Redis down, timed out or refusing); each is retried")
                .register(registry);
        FunctionCounter.builder("counter.store.flushed.counters", engine, e -> e.storeStats().countersFlushed())
                .description("Counters the confirmed flushes carried; divided by the flushes, the mean batch size")
                .register(registry);
        Gauge.builder("counter.store.last.flush.timestamp", engine, CounterMeters::lastFlushSeconds)
                .description("When the store last confirmed a flush (epoch seconds; NaN before the first)")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("counter.log.queued", engine, e -> e.logStats().queued())
                .description("Hits waiting to be written to the log")
                .register(registry);
        FunctionTimer.builder("counter.log.write", engine, e -> e.logStats().writes(),
                        e -> e.logStats().writeNanos(), TimeUnit.NANOSECONDS)
                .description("Writes to the log file, and their time")
                .register(registry);
        RedisLink redis = engine.redisLink();
        if (redis != null) {
            FunctionCounter.builder("counter.redis.disconnects", redis, RedisLink::disconnects)
                    .description("Connections to Redis that dropped, as Lettuce reports them")
                    .register(registry);
            FunctionCounter.builder("counter.redis.reconnect.attempts", redis, RedisLink::reconnectAttempts)
                    .description("Reconnects to Redis that Lettuce tried")
                    .register(registry);
        }
        Gauge.builder("counter.log.healthy", engine, e -> e.logHealthy() ? 1 : 0)
                .description("1 while the log can be written; 0 while every hit is refused")
                .register(registry);
        if (tenantLabels > 0) {
            TenantTally byTenant = engine.fatesByTenant(tenantLabels);
            byTenant.onNewLabel(label -> {
                for (CounterEngine.Outcome fate : CounterEngine.Outcome.values()) {
                    FunctionCounter.builder("counter.tenant.hits", byTenant, t -> t.count(label, fate.ordinal()))
                            .description("Hits recorded, by tenant and fate (METRICS_PER_TENANT)")
                            .tag("tenant", label)
                            .tag("fate", name(fate))
                            .register(registry);
                }
            });
        }
    }

    private static double lastFlushSeconds(CounterEngine engine) {
        long millis = engine.storeStats().lastFlushMillis();
        return millis < 0 ? Double.NaN : millis / 1000.0;
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
