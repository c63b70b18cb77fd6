package io.restycounter.examples.webapp;

import java.nio.file.Path;
import java.util.Map;

/** The example WAR running in a real container on a free port. */
interface Deployment extends AutoCloseable {

    /** The built WAR, from failsafe's {@code example.war} property. */
    static Path war() {
        String war = System.getProperty("example.war");
        if (war == null) {
            throw new IllegalStateException("example.war is not set: run the integration tests with mvn verify");
        }
        return Path.of(war);
    }

    int port();

    /** Stops the webapp and the server: the counter's listener flushes on the way down. */
    void stop() throws Exception;

    @Override
    default void close() throws Exception {
        stop();
    }

    /** Starts the WAR with {@code contextParams} winning over the context-params of its web.xml. */
    interface Container {
        Deployment deploy(Path war, Path workDir, Map<String, String> contextParams) throws Exception;
    }
}
