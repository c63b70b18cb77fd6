package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.ConfigException;
import io.restycounter.core.CounterConfig;
import io.restycounter.core.CounterEngine;
import io.restycounter.core.CounterKey;
import io.restycounter.core.Hit;
import io.restycounter.core.Settings;
import io.restycounter.core.log.LogFileName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdTest {

    private static final CounterKey KEY = new CounterKey("acme", "signup");

    @TempDir
    Path dir;

    @Test
    void theAppRunsWithTheHostNameWhenNodeIdIsUnset() {
        String node = CounterConfig.from(Main.withDefaultNodeId(Settings.of(Map.of("LOG_DIR", dir.toString())))).nodeId();
        assertNotNull(node, "the app never writes node-less file names");
        assertTrue(LogFileName.isValidNode(node), node);
    }

    @Test
    void nodeIdWins() {
        assertEquals("n7", CounterConfig.from(Main.withDefaultNodeId(Settings.of(Map.of("NODE_ID", "n7")))).nodeId());
    }

    @Test
    void theLibraryKeepsNoDefault() {
        assertEquals(null, CounterConfig.from(Settings.of(Map.of())).nodeId());
    }

    @Test
    void theIdIsMadeOnceFromTheHostNameAndKeptInLogDir() throws Exception {
        assertEquals("c0ffee-1", NodeIdFile.readOrCreate(dir, "c0ffee 1"));
        assertEquals("c0ffee-1\n", Files.readString(dir.resolve("node-id")));
        assertEquals("c0ffee-1", NodeIdFile.readOrCreate(dir, "beef02"), "a new host name does not change it");
    }

    @Test
    void withDefaultNodeIdUsesTheKeptIdAndNodeIdStillWins() throws Exception {
        Files.writeString(dir.resolve("node-id"), "web7\n");
        Settings settings = Settings.of(Map.of("LOG_DIR", dir.toString()));
        assertEquals("web7", CounterConfig.from(Main.withDefaultNodeId(settings)).nodeId());
        Settings named = Settings.of(Map.of("LOG_DIR", dir.toString(), "NODE_ID", "n8"));
        assertEquals("n8", CounterConfig.from(Main.withDefaultNodeId(named)).nodeId());
        assertEquals("web7\n", Files.readString(dir.resolve("node-id")), "NODE_ID leaves the file alone");
    }

    @Test
    void aFileWithNoValidIdStopsStartUpNamingNodeId() throws Exception {
        Files.writeString(dir.resolve("node-id"), "not/valid\n");
        Settings settings = Main.withDefaultNodeId(Settings.of(Map.of("LOG_DIR", dir.toString())));
        ConfigException e = assertThrows(ConfigException.class, () -> CounterConfig.from(settings));
        assertTrue(e.getMessage().startsWith("NODE_ID:"), e.getMessage());
    }

    @Test
    void anUnwritableLogDirRunsAsTheHostName() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        assertEquals("host-3", NodeIdFile.readOrCreate(notADirectory, "host-3"));
    }

    /** Issue #20: a new container (a new host name) on the same volume answered 0 for the hits it had counted. */
    @Test
    void aNodeWithANewHostNameOnTheSameLogDirFindsItsCountsAgain() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (CounterEngine first = engine(NodeIdFile.readOrCreate(dir, "container-a"))) {
            for (int i = 0; i < 5; i++) {
                first.record(new Hit(first.now(), KEY, 1, 200, "GET", "/p/acme/signup", "127.0.0.1",
                        null, null, null, null, null));
            }
        }
        try (CounterEngine second = engine(NodeIdFile.readOrCreate(dir, "container-b"))) {
            assertEquals("container-a", second.config().nodeId());
            assertEquals(5, second.counts(KEY, today, today).get(today));
        }
    }

    private CounterEngine engine(String node) {
        return CounterEngine.start(CounterConfig.from(Settings.of(Map.of("LOG_DIR", dir.toString(),
                "API_KEY", "test-api-key", "TIMEZONE", "UTC", "NODE_ID", node, "RATE_LIMIT", "0"))), Clock.systemUTC());
    }
}
