package io.restycounter.servlet;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Settings;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.PrintStream;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Builds the webapp's {@link CounterEngine} at start and closes it, flushing every count, when the
 * webapp stops. Settings come from context-params with the environment variables' names
 * ({@code REDIS_HOST}, {@code LOG_DIR}, ...), then {@code -Dcounter.*} properties, then the environment.
 * A host app that put its own engine in the context attribute keeps it, and keeps closing it itself.
 *
 * <p>Without an SLF4J provider in the webapp, the generated API key and a failed start are written to
 * standard error instead, so that neither is lost.
 */
public class CounterContextListener implements ServletContextListener {

    private static final Logger LOG = LoggerFactory.getLogger(CounterContextListener.class);

    private CounterEngine owned;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        if (context.getAttribute(CounterEngine.CONTEXT_ATTRIBUTE) instanceof CounterEngine hosts) {
            offerMeters(context, hosts);
            return;
        }
        // Checked at start, not in a static field: a provider can only be missing for the whole webapp.
        PrintStream fallback = LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory ? System.err : null;
        try {
            CounterConfig config = CounterConfig.from(Settings.fromEnvironment().over(context::getInitParameter));
            if (config.apiKeyGenerated()) {
                LOG.warn("API_KEY is not set; queries need this generated key: {}", config.apiKey());
                if (fallback != null) {
                    fallback.println("resty-counter: API_KEY is not set; queries need this generated key: "
                            + config.apiKey());
                }
            }
            owned = CounterEngine.start(config, Clock.systemUTC());
        } catch (RuntimeException e) {
            LOG.error("the counter did not start: {}", e.getMessage());
            if (fallback != null) {
                fallback.println("resty-counter: the counter did not start: " + e.getMessage());
            }
            throw e;
        }
        context.setAttribute(CounterEngine.CONTEXT_ATTRIBUTE, owned);
        offerMeters(context, owned);
    }

    /** The host app binds them to its own registry: see {@link CounterMeters}. */
    private static void offerMeters(ServletContext context, CounterEngine engine) {
        int tenantLabels = CounterMeters.tenantLabels(Settings.fromEnvironment().over(context::getInitParameter));
        context.setAttribute(CounterMeters.CONTEXT_ATTRIBUTE,
                new CounterMeters(engine, ServletEngines.tally(context), tenantLabels));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (owned != null) {
            event.getServletContext().removeAttribute(CounterEngine.CONTEXT_ATTRIBUTE);
            event.getServletContext().removeAttribute(CounterMeters.CONTEXT_ATTRIBUTE);
            owned.close();
            owned = null;
        }
    }
}
