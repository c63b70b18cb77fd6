package io.restycounter.app.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.restycounter.app.tls.CertificateManager;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.geoip.MaxMindGeoIp;
import io.restycounter.core.log.LogFileName;
import io.restycounter.s3.DailyShipSchedule;
import io.restycounter.s3.ShipReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Jetty app's parts beside the engine: S3 shipping, the GeoIP database, the certificates. Each is
 * measured only when it runs; read at scrape time, off the pixel path.
 */
final class ServerMeters implements MeterBinder {

    private final CounterEngine engine;
    private final DailyShipSchedule shipping;
    private final CertificateManager certificates;
    private MultiGauge expiries;

    /**
     * @param shipping     null without AWS_PATH
     * @param certificates null without HTTPS
     */
    ServerMeters(CounterEngine engine, DailyShipSchedule shipping, CertificateManager certificates) {
        this.engine = engine;
        this.shipping = shipping;
        this.certificates = certificates;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (shipping != null) {
            Gauge.builder("counter.s3.last.run.shipped.files", shipping, s -> reportCount(s, false))
                    .description("Log files the last shipping pass uploaded (NaN before the first pass)")
                    .register(registry);
            Gauge.builder("counter.s3.last.run.failed.files", shipping, s -> reportCount(s, true))
                    .description("Log files the last shipping pass could not upload; they are tried again")
                    .register(registry);
            Gauge.builder("counter.s3.waiting", engine, ServerMeters::closedLogBytes)
                    .description("Bytes of closed daily logs in LOG_DIR not yet shipped")
                    .baseUnit("bytes")
                    .register(registry);
        }
        if (engine.geoIp() instanceof MaxMindGeoIp maxMind) {
            Gauge.builder("counter.geoip.database.age", maxMind, g -> ageSeconds(g.buildTime()))
                    .description("Age of the GeoIP database in service, from its build time (NaN while none is)")
                    .baseUnit("seconds")
                    .register(registry);
        }
        if (certificates != null) {
            expiries = MultiGauge.builder("counter.certificate.expiry")
                    .description("Days until the certificate served for the host expires")
                    .baseUnit("days")
                    .register(registry);
            refresh();
        }
    }

    /** Brings the per-host series up to date: hosts come and go as certificates are ordered. */
    void refresh() {
        if (expiries == null) {
            return;
        }
        Instant now = engine.clock().instant();
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, Instant> e : certificates.expiries().entrySet()) {
            double days = Duration.between(now, e.getValue()).toSeconds() / 86_400.0;
            rows.add(MultiGauge.Row.of(Tags.of("host", e.getKey()), days));
        }
        expiries.register(rows, true);
    }

    private static double reportCount(DailyShipSchedule s, boolean failed) {
        ShipReport r = s.lastReport();
        if (r == null) {
            return Double.NaN;
        }
        return failed ? r.failed().size() : r.shipped().size();
    }

    private double ageSeconds(Instant built) {
        return built == null ? Double.NaN : Duration.between(built, engine.clock().instant()).toSeconds();
    }

    private static double closedLogBytes(CounterEngine engine) {
        LocalDate today = engine.today();
        long sum = 0;
        try (Stream<Path> files = Files.list(engine.config().logDir())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                var name = LogFileName.parse(p.getFileName().toString());
                if (name.isPresent() && name.get().day().isBefore(today) && Files.isRegularFile(p)) {
                    sum += Files.size(p);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return Double.NaN;
        }
        return sum;
    }
}
