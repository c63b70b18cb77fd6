package io.restycounter.core;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The rooms of a module for ArchUnit's cycle check: each package below {@code root} (with its
 * subpackages) is one room, and each top-level class of {@code root} itself is a room of its own, so
 * the face may wire the concern packages while no cycle runs through it. Classes outside are ignored.
 */
public final class PackageRooms implements SliceAssignment {

    private final String root;

    public PackageRooms(String root) {
        this.root = root;
    }

    @Override
    public SliceIdentifier getIdentifierOf(JavaClass c) {
        String pkg = c.getPackageName();
        if (pkg.equals(root)) {
            String name = c.getName().substring(root.length() + 1);
            int nested = name.indexOf('$');
            return SliceIdentifier.of("class " + (nested < 0 ? name : name.substring(0, nested)));
        }
        if (pkg.startsWith(root + ".")) {
            String rest = pkg.substring(root.length() + 1);
            int dot = rest.indexOf('.');
            return SliceIdentifier.of("package " + (dot < 0 ? rest : rest.substring(0, dot)));
        }
        return SliceIdentifier.ignore();
    }

    @Override
    public String getDescription() {
        return "the packages below " + root + " and each class of " + root;
    }
}
