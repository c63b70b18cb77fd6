package io.restycounter.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A class a reader can hold in mind: no main source file of any module passes 500 lines. */
class SourceSizeTest {

    private static final int MAX_LINES = 500;

    @Test
    void noMainSourceFileIsLongerThanFiveHundredLines() throws IOException {
        Path project = Path.of("").toAbsolutePath().getParent();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(project)) {
            sources = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
        assertTrue(sources.size() > 100, "found the sources of every module under " + project);
        List<String> tooLong = sources.stream().filter(p -> lines(p) > MAX_LINES)
                .map(p -> project.relativize(p) + " has " + lines(p) + " lines").toList();
        assertEquals(List.of(), tooLong);
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }
}
