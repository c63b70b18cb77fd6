package io.restycounter.examples.webapp;

/** The example WAR deployed in embedded Apache Tomcat. */
class TomcatWebappIT extends ExampleWebappContract {

    @Override
    Deployment.Container container() {
        return TomcatDeployment::deploy;
    }
}
