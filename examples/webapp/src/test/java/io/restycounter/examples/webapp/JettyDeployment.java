package io.restycounter.examples.webapp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The WAR file in a Jetty 12 ee10 {@link WebAppContext}. */
final class JettyDeployment implements Deployment {

    private final Server server;
    private final ServerConnector connector;

    private JettyDeployment(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    static Deployment deploy(Path war, Path workDir, Map<String, String> contextParams) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(war.toString());
        Path tmp = Files.createDirectories(workDir.resolve("jetty-tmp"));
        webapp.setTempDirectory(tmp.toFile());
        // Jetty's way to win over web.xml: an override descriptor, applied after it.
        webapp.addOverrideDescriptor(overrideDescriptor(workDir, contextParams).toString());
        server.setHandler(webapp);
        server.start();
        if (!webapp.isAvailable()) {
            server.stop();
            throw new IllegalStateException("the webapp did not start", webapp.getUnavailableException());
        }
        return new JettyDeployment(server, connector);
    }

    private static Path overrideDescriptor(Path dir, Map<String, String> params) throws Exception {
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                """);
        params.forEach((name, value) -> xml.append("  <context-param><param-name>").append(name)
                .append("</param-name><param-value>").append(value).append("</param-value></context-param>\n"));
        xml.append("</web-app>\n");
        return Files.writeString(dir.resolve("override-web.xml"), xml, StandardCharsets.UTF_8);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void stop() throws Exception {
        if (server.isStarted()) {
            server.stop();
        }
    }
}
