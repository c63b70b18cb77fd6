package io.restycounter.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogFileNameTest {

    private static final LocalDate DAY = LocalDate.of(2026, 11, 29);

    @Test
    void nodeFilesOfSeveralNodesReadBackApart() {
        assertEquals("2026-11-29-web-1.eu_a-access.log", new LogFileName(DAY, "web-1.eu_a").toString());
        assertEquals(Optional.of(new LogFileName(DAY, "web-1.eu_a")), LogFileName.parse("2026-11-29-web-1.eu_a-access.log"));
        assertEquals(Optional.of(new LogFileName(DAY, null)), LogFileName.parse("2026-11-29-access.log"));
        assertEquals(Optional.empty(), LogFileName.parse("2026-11-29-a/b-access.log"));
    }

    @Test
    void hostNamesBecomeValidNodeIds() {
        assertEquals("ip-10-0-0-5.ec2.internal", LogFileName.sanitizeNode("ip-10-0-0-5.ec2.internal"));
        assertEquals("pod-b-x", LogFileName.sanitizeNode("pod b/x"));
        assertEquals("node", LogFileName.sanitizeNode(""));
        assertEquals("node", LogFileName.sanitizeNode(null));
        String longName = "h".repeat(100);
        assertEquals(64, LogFileName.sanitizeNode(longName).length());
        assertTrue(LogFileName.isValidNode(LogFileName.sanitizeNode("ünïcode host")));
    }
}
