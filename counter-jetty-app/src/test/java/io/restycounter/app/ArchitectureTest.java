package io.restycounter.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.restycounter.core.PackageRooms;

/**
 * The arrows between the modules, and the rooms of this one, checked on the compiled main classes of
 * the modules on the app's classpath (counter-core, counter-s3-sync and this app; counter-servlet checks
 * its own).
 */
@AnalyzeClasses(packages = "io.restycounter", importOptions = ArchitectureTest.MainClassesOnly.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noCyclesInTheApp = slices().assignedFrom(new PackageRooms("io.restycounter.app"))
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule nothingImportsTheApp = noClasses().that().resideOutsideOfPackage("io.restycounter.app..")
            .should().dependOnClassesThat().resideInAPackage("io.restycounter.app..")
            .because("counter-jetty-app is the top of the house: libraries never depend on it");

    @ArchTest
    static final ArchRule shipperKnowsNoServer = noClasses().that().resideInAPackage("io.restycounter.s3..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.eclipse.jetty..",
                    "io.restycounter.servlet..");

    /** Leaves out test classes, whether in a test-classes folder or in a module's test jar. */
    static final class MainClassesOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return new DoNotIncludeTests().includes(location) && !location.contains("-tests.jar");
        }
    }
}
