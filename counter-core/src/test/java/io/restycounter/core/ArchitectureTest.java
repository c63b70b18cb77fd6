package io.restycounter.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

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
    static final ArchRule noCycles = slices().assignedFrom(new Rooms()).should().beFreeOfCycles();

    /** A concern package (the first segment below the root), or one top-level class of the root. */
    static final class Rooms implements SliceAssignment {

        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String pkg = c.getPackageName();
            if (pkg.equals(ROOT)) {
                String name = c.getName().substring(ROOT.length() + 1);
                int nested = name.indexOf('$');
                return SliceIdentifier.of("face class " + (nested < 0 ? name : name.substring(0, nested)));
            }
            if (pkg.startsWith(ROOT + ".")) {
                String rest = pkg.substring(ROOT.length() + 1);
                int dot = rest.indexOf('.');
                return SliceIdentifier.of("package " + (dot < 0 ? rest : rest.substring(0, dot)));
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the concern packages of counter-core and each class of its root package";
        }
    }
}
