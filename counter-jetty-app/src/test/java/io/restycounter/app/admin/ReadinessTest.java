package io.restycounter.app.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {

    @TempDir
    Path dir;

    @Test
    void notReadyWhileStartingReadyWhileServingNotReadyOnceDraining() {
        try (CounterEngine engine = CounterEngine.start(CounterConfig.from(Settings.of(Map.of(
                "LOG_DIR", dir.toString(), "API_KEY", "test-key-123"))), Clock.systemUTC())) {
            Readiness readiness = new Readiness(engine);
            assertEquals("starting", readiness.notReadyBecause());
            readiness.serving();
            assertNull(readiness.notReadyBecause());
            readiness.draining();
            assertEquals("draining: stopping", readiness.notReadyBecause());
        }
    }
}
