package io.restycounter.app;

import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Settings;
import java.io.PrintStream;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar counter-jetty-app.jar}: runs the counter with settings from the environment
 * (or {@code -Dcounter.NAME=value}). A bad setting stops start-up with one line naming it.
 */
@Command(name = "counter-jetty-app", mixinStandardHelpOptions = true,
        description = "Runs the resty-counter server. Settings come from environment variables (see README).")
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        Running running = start(Settings.fromEnvironment(), Clock.systemUTC(), System.out, System.err);
        if (running == null) {
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running.server::stop, "counter-shutdown"));
        running.server.join();
        return 0;
    }

    /** A started server, or null after printing why it could not start. */
    record Running(CounterServer server) {
    }

    static Running start(Settings settings, Clock clock, PrintStream out, PrintStream err) throws Exception {
        CounterConfig config;
        ServerSettings serverSettings;
        AcmeSettings acme;
        CounterEngine engine;
        try {
            config = CounterConfig.from(settings);
            serverSettings = ServerSettings.from(settings);
            acme = serverSettings.httpsPort() >= 0 ? AcmeSettings.from(settings) : null;
            engine = CounterEngine.start(config, clock);
        } catch (ConfigException | IllegalStateException e) {
            err.println("resty-counter: cannot start: " + e.getMessage());
            return null;
        }
        if (config.apiKeyGenerated()) {
            out.println("API_KEY is not set; the query key for this run is: " + config.apiKey());
        }
        CounterServer server = CounterServer.start(engine, serverSettings,
                acme == null ? null : new CertificateManager(acme, clock));
        out.println("resty-counter listening on http://" + serverSettings.host() + ":" + server.port()
                + " (store: " + (config.redisUrl() == null ? "embedded" : "redis") + ", logs: "
                + config.logDir().toAbsolutePath().normalize() + ")");
        return new Running(server);
    }
}
