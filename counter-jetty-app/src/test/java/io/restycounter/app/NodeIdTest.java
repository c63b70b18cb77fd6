package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restycounter.core.CounterConfig;
import io.restycounter.core.Settings;
import io.restycounter.core.log.LogFileName;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeIdTest {

    @Test
    void theAppRunsWithTheHostNameWhenNodeIdIsUnset() {
        String node = CounterConfig.from(Main.withDefaultNodeId(Settings.of(Map.of()))).nodeId();
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
}
