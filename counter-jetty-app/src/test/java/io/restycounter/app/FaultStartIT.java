package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.RedisServer;
import io.restycounter.core.Settings;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails closes what it had started. Regression: with Redis configured and a LOG_DIR that
 * cannot be created, the store's flusher and Lettuce's threads stayed behind the one-line error.
 */
class FaultStartIT {

    @TempDir
    Path dir;

    @Test
    void anUnwritableLogDirStopsStartWithOneLineAndLeavesNoThreadBehind() throws Exception {
        // Tests run as root, where permissions stop nothing: a file where the directory should be does.
        Path logs = Files.writeString(dir.resolve("logs"), "not a directory");
        try (RedisServer redis = RedisServer.launch()) {
            Set<String> before = OneRedisClientIT.liveThreadNames();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Main.Running running = Main.start(Settings.of(Map.of("HTTP_PORT", "0", "BIND_ADDRESS", "127.0.0.1",
                    "LOG_DIR", logs.toString(), "API_KEY", TestServer.API_KEY, "NODE_ID", TestServer.NODE_ID,
                    "REDIS_URL", redis.url())), Clock.systemUTC(), new PrintStream(OutputStream.nullOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));

            assertNull(running);
            String said = err.toString(StandardCharsets.UTF_8);
            assertTrue(said.startsWith("resty-counter: cannot start: LOG_DIR: cannot create " + logs), said);
            assertEquals(1, said.lines().count(), said);
            assertEquals(Set.of(), OneRedisClientIT.leftOver(before, n -> n.equals("redis-flusher")
                    || n.startsWith("lettuce-") || n.equals("hit-log-writer")), "threads the failed start left");
        }
    }
}
