package io.restycounter.app;

import io.restycounter.app.tls.AcmeSettings;
import io.restycounter.app.tls.CertificateManager;
import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.GeoIp;
import io.restycounter.core.Lifecycle;
import io.restycounter.core.Settings;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantCalendar;
import io.restycounter.core.geoip.GeoIpSettings;
import io.restycounter.core.geoip.GeoIpUpdater;
import io.restycounter.core.log.LogFileName;
import io.restycounter.core.redis.RedisCounterStore;
import io.restycounter.core.redis.RedisLink;
import io.restycounter.core.report.Aggregator;
import io.restycounter.core.report.DailyAggregation;
import io.restycounter.core.report.Reconciler;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.s3.DailyShipSchedule;
import io.restycounter.s3.LogShipper;
import io.restycounter.s3.ShipReport;
import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code java -jar counter-jetty-app.jar}: runs the counter with settings from the environment
 * (or {@code -Dcounter.NAME=value}). A bad setting stops start-up with one line naming it.
 */
@Command(name = "counter-jetty-app", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {Main.SyncLogs.class, Main.UpdateGeoIp.class, Main.Aggregate.class, Main.Verify.class,
                TenantCommand.class, ImportCommand.class, Main.TenantKey.class},
        description = "Runs the resty-counter server. Settings come from environment variables (see README).")
public final class Main implements Callable<Integer> {

    static final int EXIT_CONFIG = 2;
    /** verify: the day is not complete, a node that counted on it has no share in the archive yet. */
    static final int EXIT_INCOMPLETE = 3;

    /** COUNTER_DEBUG=true: the counter's debug log, with the stack traces of expected failures. */
    static final String DEBUG = "COUNTER_DEBUG";

    public static void main(String[] args) {
        boolean debug = "true".equalsIgnoreCase(Settings.fromEnvironment().get(DEBUG));
        if (debug && System.getProperty("io.restycounter.LEVEL") == null) {
            // Read by Jetty's SLF4J provider when the first logger is made, which is after this line.
            System.setProperty("io.restycounter.LEVEL", "DEBUG");
        }
        int code = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, command, parsed) -> {
                    command.getErr().println(command.getCommandName() + ": " + e
                            + (debug ? "" : " (" + DEBUG + "=true shows where)"));
                    if (debug) {
                        e.printStackTrace(command.getErr());
                    }
                    return 1;
                })
                .execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** The version from the jar's manifest, which the build writes from the POM. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"resty-counter " + (v == null ? "(unknown version: not run from the built jar)" : v)};
        }
    }

    @Override
    public Integer call() throws Exception {
        Running running = start(Settings.fromEnvironment(), Clock.systemUTC(), System.out, System.err);
        if (running == null) {
            return EXIT_CONFIG;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running.server::stop, "counter-shutdown"));
        running.server.join();
        return 0;
    }

    /** A started server, or null after printing why it could not start. */
    record Running(CounterServer server) {
    }

    static Running start(Settings given, Clock clock, PrintStream out, PrintStream err) throws Exception {
        ServerSettings serverSettings;
        CounterServer.Ports ports;
        try {
            serverSettings = ServerSettings.from(given);
            ports = CounterServer.Ports.bind(serverSettings);
        } catch (ConfigException | CounterServer.PortException e) {
            err.println("resty-counter: cannot start: " + e.getMessage());
            return null;
        }
        boolean started = false;
        try {
            Running running = start(given, serverSettings, ports, clock, out, err);
            started = running != null;
            return running;
        } finally {
            if (!started) {
                ports.close();
            }
        }
    }

    private static Running start(Settings given, ServerSettings serverSettings, CounterServer.Ports ports, Clock clock,
            PrintStream out, PrintStream err) throws Exception {
        Settings settings = withDefaultNodeId(given);
        CounterConfig config;
        Optional<LogShipper> shipper;
        AcmeSettings acme;
        try {
            config = CounterConfig.from(settings);
            acme = serverSettings.httpsPort() >= 0 ? AcmeSettings.from(settings) : null;
            shipper = LogShipper.fromSettings(settings, clock);
        } catch (ConfigException e) {
            err.println("resty-counter: cannot start: " + e.getMessage());
            return null;
        }
        CounterEngine engine;
        try {
            engine = CounterEngine.start(config, clock);
        } catch (ConfigException | IllegalStateException | java.io.UncheckedIOException e) {
            shipper.ifPresent(LogShipper::close);
            err.println("resty-counter: cannot start: " + e.getMessage());
            return null;
        }
        if (config.apiKeyGenerated()) {
            out.println("API_KEY is not set; the query key for this run is: " + config.apiKey());
        }
        // Created here, started and stopped (each once, with a bound) by the server, which owns them.
        List<Lifecycle> background = new ArrayList<>();
        background.add(new DailyAggregation(engine.config(), engine.archive(), engine.store(), engine.calendar(), clock));
        shipper.ifPresent(s -> background.add(new DailyShipSchedule(s, clock)));
        if (config.geoIp().updatesEnabled()) {
            background.add(new GeoIpUpdater(config.geoIp(), engine.geoIp()));
        }
        CertificateManager certificates = null;
        if (acme != null) {
            // Several nodes on one Redis share certificates, challenge answers and an order lock there,
            // through the engine's Redis client (the engine closes it, after the server stopped).
            certificates = new CertificateManager(acme, clock, engine.redisLink());
        }
        CounterServer server = CounterServer.start(engine, serverSettings, ports, certificates, background);
        out.println("resty-counter listening on http://" + serverSettings.host() + ":" + server.port()
                + (server.httpsPort() >= 0 ? " and https://" + serverSettings.host() + ":" + server.httpsPort() : "")
                + (server.adminPort() >= 0 ? ", admin on http://" + serverSettings.admin().bind() + ":" + server.adminPort() : "")
                + " (node: " + config.nodeId()
                + ", store: " + (config.redisMode() == CounterConfig.RedisMode.NONE ? "embedded"
                        : "redis " + config.redisMode().name().toLowerCase(java.util.Locale.ROOT)) + ", logs: "
                + config.logDir().toAbsolutePath().normalize()
                + ", s3: " + shipper.map(s -> s.settings().toString()).orElse("off") + ")");
        return new Running(server);
    }

    /**
     * The turnkey app always runs with a node id, so that several nodes shipping to one S3 prefix never
     * write the same key: NODE_ID when set, else the id kept in {@code LOG_DIR/node-id}, made once from
     * this host's name ({@link NodeIdFile}), so that a new container on the same volume finds its logs.
     * The core library keeps no default (an embedder's files stay {@code yyyy-MM-dd-access.log}).
     */
    static Settings withDefaultNodeId(Settings settings) {
        if (settings.get("NODE_ID") != null) {
            return settings;
        }
        String node;
        try {
            node = NodeIdFile.readOrCreate(settings.getPath("LOG_DIR", "./data/logs"), hostName());
        } catch (ConfigException e) {
            // A bad LOG_DIR stops start-up where CounterConfig reads it, with its own line.
            node = LogFileName.sanitizeNode(hostName());
        }
        String id = node;
        return settings.over(name -> "NODE_ID".equals(name) ? id : null);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "node";
        }
    }

    @Command(name = "sync-logs", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Ships every closed daily log in LOG_DIR to AWS_PATH once, then exits (1 if any file failed).")
    static final class SyncLogs implements Callable<Integer> {

        @Override
        public Integer call() {
            return syncLogs(Settings.fromEnvironment(), Clock.systemUTC(), System.out, System.err);
        }
    }

    @Command(name = "update-geoip", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Downloads each GEOIP_EDITIONS database that changed into GEOIP_DIR once, then exits (1 on failure).")
    static final class UpdateGeoIp implements Callable<Integer> {

        @Override
        public Integer call() {
            return updateGeoIp(Settings.fromEnvironment(), System.out, System.err);
        }
    }

    static int updateGeoIp(Settings settings, PrintStream out, PrintStream err) {
        GeoIpSettings geo;
        try {
            geo = GeoIpSettings.from(settings);
        } catch (ConfigException e) {
            err.println("update-geoip: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (!geo.updatesEnabled()) {
            err.println("update-geoip: MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY: expected both, got none or one");
            return EXIT_CONFIG;
        }
        try (GeoIpUpdater updater = new GeoIpUpdater(geo, GeoIp.none())) {
            GeoIpUpdater.Result result = updater.runOnce();
            for (GeoIpUpdater.EditionResult r : result.editions()) {
                out.println(r.edition() + ": " + r.outcome() + (r.message() == null ? "" : " (" + r.message() + ")"));
            }
            return result.ok() ? 0 : 1;
        }
    }

    static int syncLogs(Settings settings, Clock clock, PrintStream out, PrintStream err) {
        Optional<LogShipper> shipper;
        try {
            shipper = LogShipper.fromSettings(settings, clock);
        } catch (ConfigException e) {
            err.println("sync-logs: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (shipper.isEmpty()) {
            err.println("sync-logs: AWS_PATH: expected bucket/rootfolder, got nothing");
            return EXIT_CONFIG;
        }
        try (LogShipper s = shipper.get()) {
            ShipReport report = s.shipClosed();
            out.println(report);
            return report.ok() ? 0 : 1;
        }
    }

    @Command(name = "aggregate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Writes the shares of one closed day that the log files here hold (per node named in the file "
                    + "names, in LOG_DIR and LOG_DIR/shipped) into the archive, replacing only those nodes' shares, and marks "
                    + "the day complete once every node that counted on it has its share in; exits 1 on failure.")
    static final class Aggregate implements Callable<Integer> {

        @Option(names = "--day", required = true, description = "the day, yyyy-MM-dd")
        String day;

        @Override
        public Integer call() {
            return aggregate(Settings.fromEnvironment(), day, Clock.systemUTC(), System.out, System.err);
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Compares a complete day's archive totals (every node's share; this node's logs are aggregated "
                    + "first if the day is not complete) with the live Redis counts of every tenant either side knows; exits 0 "
                    + "when they agree, 1 on drift or failure, 3 while the day is incomplete (naming the nodes whose share is missing).")
    static final class Verify implements Callable<Integer> {

        @Option(names = "--day", required = true, description = "the day, yyyy-MM-dd")
        String day;

        @Override
        public Integer call() {
            return verify(Settings.fromEnvironment(), day, Clock.systemUTC(), System.out, System.err);
        }
    }

    @Command(name = "tenant-key", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Deprecated: use tenant key create|revoke TENANT, which this runs.")
    static final class TenantKey implements Callable<Integer> {

        @Parameters(index = "0", description = "create or revoke")
        String action;

        @Parameters(index = "1", description = "the tenant")
        String tenant;

        @Override
        public Integer call() {
            return tenantKey(Settings.fromEnvironment(), action, tenant, System.out, System.err);
        }
    }

    private static LocalDate day(String name, String day, PrintStream err) {
        try {
            if (day.length() == 10) {
                return LocalDate.parse(day);
            }
        } catch (DateTimeParseException e) {
            // below
        }
        err.println(name + ": --day: expected a date yyyy-MM-dd, got \"" + day + "\"");
        return null;
    }

    static int aggregate(Settings settings, String dayText, Clock clock, PrintStream out, PrintStream err) {
        LocalDate day = day("aggregate", dayText, err);
        CounterConfig config;
        try {
            config = CounterConfig.from(settings);
        } catch (ConfigException e) {
            err.println("aggregate: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (day == null) {
            return EXIT_CONFIG;
        }
        if (!day.isBefore(LocalDate.now(clock.withZone(config.zone())))) {
            err.println("aggregate: --day: expected a closed day before today, got " + day);
            return EXIT_CONFIG;
        }
        RedisLink link = config.redisUrl() == null ? null : RedisLink.connect(config);
        try (TenantRegistry tenants = CounterEngine.tenantRegistry(config, link);
                CounterArchive archive = CounterEngine.archive(config, link)) {
            Aggregator.Result r = new Aggregator(config.logDir(), archive, new TenantCalendar(config.zone(), tenants), clock)
                    .aggregate(day);
            out.println("aggregated " + r + " into " + archive + sharesWritten(r));
            if (!r.waiting().isEmpty()) {
                out.println(day + ": incomplete: " + String.join(", ", r.waiting()) + " (behind TIMEZONE) still have hours "
                        + "of it in today's log file; aggregate it again after midnight");
                return 0;
            }
            Reconciler.Report state = Reconciler.check(archive, null, r.nodes(), day);
            out.println(state.complete() ? day + ": complete, shares of " + nodeList(archive.sharesDone(day)) : state);
            return 0;
        } catch (java.io.IOException | StoreException e) {
            err.println("aggregate: " + e.getMessage());
            return 1;
        } finally {
            if (link != null) {
                link.close();
            }
        }
    }

    static int verify(Settings settings, String dayText, Clock clock, PrintStream out, PrintStream err) {
        LocalDate day = day("verify", dayText, err);
        CounterConfig config;
        try {
            config = CounterConfig.from(settings);
        } catch (ConfigException e) {
            err.println("verify: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (day == null) {
            return EXIT_CONFIG;
        }
        if (config.redisUrl() == null) {
            err.println("verify: REDIS_HOST or REDIS_URL: expected the live store, got none "
                    + "(the embedded store lives in the server; its daily job logs drift)");
            return EXIT_CONFIG;
        }
        LocalDate today = LocalDate.now(clock.withZone(config.zone()));
        if (!day.isBefore(today) || day.isBefore(config.liveFrom(today))) {
            err.println("verify: --day: expected a closed day still in the live window (" + config.liveFrom(today)
                    + " to " + today.minusDays(1) + "), got " + day);
            return EXIT_CONFIG;
        }
        // One client: the link, closed last, after the store's and the archive's use of it.
        try (RedisLink link = RedisLink.connect(config);
                TenantRegistry tenants = CounterEngine.tenantRegistry(config, link);
                CounterArchive archive = CounterEngine.archive(config, link);
                RedisCounterStore store = RedisCounterStore.connect(link, config, clock)) {
            Set<String> nodesHere = Set.of();
            if (!archive.isAggregated(day)) {
                Aggregator.Result r = new Aggregator(config.logDir(), archive, new TenantCalendar(config.zone(), tenants),
                        clock).aggregate(day);
                out.println("aggregated " + r + " into " + archive + sharesWritten(r));
                nodesHere = r.nodes();
            }
            Reconciler.Report report = Reconciler.check(archive, store, nodesHere, day);
            out.println(report);
            report.drift().forEach(d -> out.println("drift " + d));
            return !report.complete() ? EXIT_INCOMPLETE : report.ok() ? 0 : 1;
        } catch (java.io.IOException | StoreException e) {
            err.println("verify: " + e.getMessage());
            return 1;
        }
    }

    private static String sharesWritten(Aggregator.Result r) {
        return r.nodes().isEmpty() ? " (no log files of the day here: no share written)"
                : " (shares written: " + nodeList(r.nodes()) + ")";
    }

    private static String nodeList(Set<String> nodes) {
        return nodes.isEmpty() ? "none" : String.join(", ",
                new TreeSet<>(nodes).stream().map(n -> n.isEmpty() ? "(no NODE_ID)" : n).toList());
    }

    /** {@code tenant-key create|revoke TENANT}: the old name of {@code tenant key}, kept working. */
    static int tenantKey(Settings settings, String action, String tenant, PrintStream out, PrintStream err) {
        err.println("tenant-key: deprecated, use: tenant key " + action + " " + tenant);
        return TenantCommand.run(settings, List.of("key", action, tenant), out, err);
    }
}
