package io.restycounter.servlet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** counter-servlet runs in any servlet container: it knows the servlet API and counter-core, nothing else of ours. */
@AnalyzeClasses(packages = "io.restycounter.servlet", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule knowsNoContainerNorOtherModules = noClasses().that().resideInAPackage("io.restycounter.servlet..")
            .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "org.apache.catalina..",
                    "io.restycounter.s3..", "io.restycounter.app..")
            .because("the servlets and the filter are mounted by any webapp, in any container");
}
