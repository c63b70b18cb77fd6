package io.restycounter.app;

import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterArchive;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Settings;
import io.restycounter.core.StoreException;
import io.restycounter.core.TenantCalendar;
import io.restycounter.core.redis.RedisCounterStore;
import io.restycounter.core.redis.RedisLink;
import io.restycounter.core.report.Aggregator;
import io.restycounter.core.report.HistoryImport;
import io.restycounter.core.tenant.TenantRegistry;
import io.restycounter.core.tenant.TenantSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code import --tenant acme file.csv}: loads {@code counter,day,count} rows into the tenant's archive as
 * imported history ({@link HistoryImport}), in Redis when configured, else in ARCHIVE_DIR. A count the
 * live window holds is read from Redis, or for the embedded store from this node's log files. Exit codes:
 * 0 done (also when nothing changed), 1 the archive could not be read or written, 2 a bad argument or a
 * refused file (each bad row named on its own line; nothing written).
 */
@Command(name = "import", description = {"Loads imported history, CSV rows counter,day,count (a header row is allowed), into a tenant's "
                + "archive: ranges, all_time and badges count it, per-day answers say \"source\":\"import\".",
            "The same file again changes nothing; a day imported before gets the new count; a count that differs "
                + "from what the logs counted that day refuses the whole file. Exits 0 done, 1 archive failure, "
                + "2 bad argument or refused file (nothing written)."})
final class ImportCommand implements Callable<Integer> {

    static final int EXIT_FAILED = 1;
    /** As Main's EXIT_CONFIG: a bad setting or argument, here also a refused file. */
    static final int EXIT_USAGE = 2;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--tenant", required = true, description = "the tenant, [a-z0-9]{1,32}")
    String tenant;

    @Parameters(index = "0", paramLabel = "FILE", description = "the CSV file (UTF-8), or - for standard input")
    String file;

    @Override
    public Integer call() {
        return run(Settings.fromEnvironment(), tenant, file, Clock.systemUTC(), System.out, System.err);
    }

    static int run(Settings settings, String tenant, String file, Clock clock, PrintStream out, PrintStream err) {
        CounterConfig config;
        try {
            config = CounterConfig.from(settings);
        } catch (ConfigException e) {
            err.println("import: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (!CounterKey.isValidTenant(tenant)) {
            err.println("import: --tenant: expected [a-z0-9]{1,32}, got \"" + tenant + "\"");
            return EXIT_USAGE;
        }
        RedisLink link = config.redisUrl() == null ? null : RedisLink.connect(config);
        try {
            return run(config, link, tenant, file, clock, out, err);
        } finally {
            if (link != null) {
                link.close();
            }
        }
    }

    private static int run(CounterConfig config, RedisLink link, String tenant, String file, Clock clock,
            PrintStream out, PrintStream err) {
        java.util.function.Predicate<String> allowed;
        TenantCalendar calendar;
        LocalDate today;
        try (TenantRegistry tenants = CounterEngine.tenantRegistry(config, link)) {
            TenantSettings settings = tenants.find(tenant);
            allowed = settings == null || settings.counters() == null ? c -> true : settings.counters()::allows;
            calendar = new TenantCalendar(config.zone(), tenants); // its snapshot outlives the close
            today = calendar.today(tenant, clock); // the tenant's today: imports are of days before it
        } catch (ConfigException e) {
            err.println("import: " + e.getMessage());
            return EXIT_USAGE;
        }
        List<HistoryImport.Row> rows;
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (Reader in = file.equals("-") ? new java.io.InputStreamReader(System.in, decoder)
                : new java.io.InputStreamReader(Files.newInputStream(Path.of(file)), decoder)) {
            rows = HistoryImport.parse(in, today, allowed);
        } catch (HistoryImport.Refused e) {
            return refused(file, e, err);
        } catch (NoSuchFileException e) {
            err.println("import: FILE: no such file: " + file);
            return EXIT_USAGE;
        } catch (CharacterCodingException e) {
            err.println("import: " + file + ": not UTF-8 text");
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("import: FILE: cannot read " + file + ": " + e.getMessage());
            return EXIT_USAGE;
        }
        try (CounterArchive archive = CounterEngine.archive(config, link);
                RedisCounterStore store = link == null ? null : RedisCounterStore.connect(link, config, clock)) {
            HistoryImport.LiveCounts live = store != null ? store::get : fromLogs(config, archive, calendar, clock);
            HistoryImport.Result r = HistoryImport.apply(archive, live, today, config.liveFrom(today), tenant, rows);
            out.println("imported " + file + " into " + archive + ": " + r);
            return 0;
        } catch (HistoryImport.Refused e) {
            return refused(file, e, err);
        } catch (StoreException e) {
            err.println("import: " + e.getMessage() + " (importing the file again finishes what was not written)");
            return EXIT_FAILED;
        }
    }

    /** The embedded store lives in the server: a live day's counts are those of this node's log files. */
    private static HistoryImport.LiveCounts fromLogs(CounterConfig config, CounterArchive archive,
            TenantCalendar calendar, Clock clock) {
        Aggregator logs = new Aggregator(config.logDir(), archive, calendar, clock);
        Map<LocalDate, Aggregator.Result> read = new HashMap<>();
        return (key, day) -> {
            Aggregator.Result r = read.get(day);
            if (r == null) {
                try {
                    r = logs.read(day);
                } catch (IOException e) {
                    throw new StoreException("LOG_DIR: cannot read the logs of " + day + ": " + e.getMessage(), e);
                }
                read.put(day, r);
            }
            return r.total(key);
        };
    }

    private static int refused(String file, HistoryImport.Refused e, PrintStream err) {
        err.println("import: " + file + " refused, nothing written:");
        e.lines().forEach(line -> err.println("import: " + line));
        return EXIT_USAGE;
    }
}
