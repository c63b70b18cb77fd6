package io.restycounter.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The house rules of counter-core, checked on its compiled classes (tests excluded). */
@AnalyzeClasses(packages = "io.restycounter.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String ROOT = "io.restycounter.core";

    @ArchTest
    static final ArchRule knowsNoServletJettyOrAws = noClasses().that().resideInAPackage(ROOT + "..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.eclipse.jetty..",
                    "software.amazon..")
            .because("counter-core runs in any servlet container or none, and ships no AWS SDK");

    @ArchTest
    static final ArchRule knowsNoOtherModule = noClasses().that().resideInAPackage(ROOT + "..")
            .should().dependOnClassesThat().resideInAnyPackage("io.restycounter.servlet..", "io.restycounter.app..",
                    "io.restycounter.s3..")
            .because("the arrows between modules point to counter-core, never out of it");

    /**
     * No cycle between the concern packages, nor through the face: each class of the root package is
     * a room of its own here, so a concern package may use the model and the engine may wire the
     * concern packages, but nothing a concern package imports may lead back to it.
     */
    @ArchTest
    static final ArchRule noCycles = slices().assignedFrom(new PackageRooms(ROOT)).should().beFreeOfCycles();
}
