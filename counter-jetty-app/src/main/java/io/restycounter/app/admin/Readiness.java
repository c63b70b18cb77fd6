package io.restycounter.app.admin;

import io.restycounter.core.CounterEngine;

/**
 * Whether a load balancer should send pixels here: not while starting, not while draining at SIGTERM, not
 * while the store refuses new counters or the log cannot be written. Liveness is only "the process answers".
 */
public final class Readiness {

    enum Phase { STARTING, SERVING, DRAINING }

    private final CounterEngine engine;
    private volatile Phase phase = Phase.STARTING;

    public Readiness(CounterEngine engine) {
        this.engine = engine;
    }

    public void serving() {
        phase = Phase.SERVING;
    }

    public void draining() {
        phase = Phase.DRAINING;
    }

    /** Null when ready, else why not, in one line. */
    String notReadyBecause() {
        Phase p = phase;
        if (p == Phase.STARTING) {
            return "starting";
        }
        if (p == Phase.DRAINING) {
            return "draining: stopping";
        }
        if (!engine.logHealthy()) {
            return "the log cannot be written: every hit is refused";
        }
        if (engine.storeStats().refusingNewCounters()) {
            return "the store refuses new counters (MAX_PENDING_COUNTERS reached)";
        }
        return null;
    }
}
