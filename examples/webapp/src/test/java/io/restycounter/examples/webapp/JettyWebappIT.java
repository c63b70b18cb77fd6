package io.restycounter.examples.webapp;

/** The example WAR deployed in Jetty 12 (ee10 WebAppContext). */
class JettyWebappIT extends ExampleWebappContract {

    @Override
    Deployment.Container container() {
        return JettyDeployment::deploy;
    }
}
