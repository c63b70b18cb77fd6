package io.restycounter.examples.webapp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ApplicationParameter;

/** The WAR file in an embedded Apache Tomcat. */
final class TomcatDeployment implements Deployment {

    private final Tomcat tomcat;

    private TomcatDeployment(Tomcat tomcat) {
        this.tomcat = tomcat;
    }

    static Deployment deploy(Path war, Path workDir, Map<String, String> contextParams) throws Exception {
        Tomcat tomcat = new Tomcat();
        Path base = workDir.resolve("tomcat");
        Files.createDirectories(base.resolve("webapps"));
        tomcat.setBaseDir(base.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");

        // What Tomcat's conf/web.xml gives a webapp, less the JSP servlet: Jasper is not on this classpath.
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp("", war.toString());
        Tomcat.addServlet(context, "default", "org.apache.catalina.servlets.DefaultServlet").setLoadOnStartup(1);
        context.addServletMappingDecoded("/", "default");
        Tomcat.addDefaultMimeTypeMappings(context);
        // Tomcat's way to win over web.xml: a context <Parameter override="false">.
        contextParams.forEach((name, value) -> {
            ApplicationParameter p = new ApplicationParameter();
            p.setName(name);
            p.setValue(value);
            p.setOverride(false);
            context.addApplicationParameter(p);
        });
        tomcat.start();
        if (context.getState() != LifecycleState.STARTED) {
            tomcat.stop();
            tomcat.destroy();
            throw new IllegalStateException("the webapp did not start: " + context.getState());
        }
        return new TomcatDeployment(tomcat);
    }

    @Override
    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    public void stop() throws Exception {
        if (tomcat.getServer().getState() != LifecycleState.DESTROYED) {
            tomcat.stop();
            tomcat.destroy();
        }
    }
}
