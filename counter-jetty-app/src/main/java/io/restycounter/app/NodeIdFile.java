package io.restycounter.app;

import io.restycounter.core.AtomicFiles;
import io.restycounter.core.FileErrors;
import io.restycounter.core.log.LogFileName;
import io.restycounter.core.log.LogFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node id a node without NODE_ID keeps in {@code LOG_DIR/node-id}: made once from the host name,
 * read at every later start. A container gets a new host name each time it is created, but a new
 * container on the same volume must find its own log files again (the embedded store rebuilds its
 * counts from them; a Redis node replays them), so the id lives beside those files, not in the host.
 */
final class NodeIdFile {

    static final String FILE_NAME = "node-id";

    private static final Logger LOG = LoggerFactory.getLogger(NodeIdFile.class);

    private NodeIdFile() {
    }

    /**
     * The id kept in {@code logDir}, written there from {@code hostName} first when there is none. When
     * the directory cannot be written, the host name made valid, for this run only. A file that holds no
     * valid id is returned as it is, so that start-up stops on it with a line naming NODE_ID.
     */
    static String readOrCreate(Path logDir, String hostName) {
        Path file = logDir.resolve(FILE_NAME);
        String made = LogFileName.sanitizeNode(hostName);
        if (!Files.isDirectory(logDir)) {
            try {
                LogFiles.createDirectories(logDir);
            } catch (IOException e) {
                // Start-up stops where the log opens LOG_DIR, with one line giving the reason.
                return made;
            }
        }
        try {
            if (!Files.exists(file) || Files.readString(file, StandardCharsets.UTF_8).isBlank()) {
                AtomicFiles.write(file, made + "\n");
                LOG.info("node id {} kept in {}: a node started on these files later runs as {} too", made, file, made);
            }
            // Read back, not assumed: of two nodes started at once on one empty directory, the last rename wins.
            String kept = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!LogFileName.isValidNode(kept)) {
                LOG.error("{} holds no valid node id; set NODE_ID, or delete the file to make one from the host name", file);
            }
            return kept;
        } catch (IOException | RuntimeException e) {
            String reason = e instanceof IOException io ? FileErrors.reason(io) : e.toString();
            LOG.warn("node id: cannot keep it in {} ({}); running as {} until it can", file, reason, made);
            return made;
        }
    }
}
