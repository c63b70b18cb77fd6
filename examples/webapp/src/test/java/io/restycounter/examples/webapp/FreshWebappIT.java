package io.restycounter.examples.webapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19: a new user follows the README's "Add it to your webapp" and nothing else. The clone is
 * installed as the README says, into a private local repository seeded from this build's, a WAR project
 * holds only the README's dependencies and {@code web.xml}, and the WAR runs in Tomcat 10.1. The
 * generated API key must reach standard error with an SLF4J provider and without one.
 */
class FreshWebappIT {

    private static final String SECTION = "## Add it to your webapp";
    private static final Pattern GENERATED_KEY = Pattern.compile("generated key: (\\S+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path work;

    static Path war;

    @BeforeAll
    static void buildFromReadme() throws Exception {
        Path root = Path.of(System.getProperty("project.root")).toRealPath();
        String section = section(Files.readString(root.resolve("README.md")));
        List<String> xml = blocks(section);
        String dependencies = xml.stream().filter(b -> b.contains("<dependency>")).collect(Collectors.joining("\n"));
        String webXml = xml.stream().filter(b -> b.contains("<listener>")).findFirst()
                .orElseThrow(() -> new AssertionError("no web.xml snippet in the README's " + SECTION));
        assertTrue(dependencies.contains("<artifactId>counter-servlet</artifactId>"), dependencies);

        Path repo = work.resolve("repo");
        copyTree(Path.of(System.getProperty("seed.repository")), repo,
                p -> !p.startsWith(Path.of("io", "restycounter")));
        Path clone = work.resolve("clone");
        copyTree(root, clone, FreshWebappIT::neededToInstallServlet);

        List<String> install = new ArrayList<>(List.of(installCommand(section).split(" ")));
        install.set(0, mvn());
        // Offline and quiet into the private repository; only what a webapp needs, to stay quick.
        install.addAll(List.of("-o", "-q", "-Dmaven.repo.local=" + repo, "-pl", "counter-servlet", "-am"));
        run(clone, install);

        Path app = work.resolve("app");
        Files.createDirectories(app.resolve("src/main/webapp/WEB-INF"));
        Files.writeString(app.resolve("pom.xml"), webappPom(dependencies));
        Files.writeString(app.resolve("src/main/webapp/WEB-INF/web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                %s
                </web-app>
                """.formatted(webXml));
        run(app, List.of(mvn(), "-B", "-o", "-q", "-Dmaven.repo.local=" + repo, "package"));
        war = app.resolve("target/fresh-webapp.war");
    }

    @Test
    void theKeyLoggedThroughTheReadmesProviderAnswersQueries() throws Exception {
        assertTrue(hasSlf4jProvider(war), "the README's dependencies bring an SLF4J provider");
        String stderr = deployCountAndQuery(war, work.resolve("with-provider"));
        assertFalse(stderr.contains("No SLF4J providers"), stderr);
    }

    @Test
    void withoutAnyProviderTheKeyStillReachesStandardError() throws Exception {
        Path bare = withoutSlf4jProvider(war, work.resolve("bare.war"));
        String stderr = deployCountAndQuery(bare, work.resolve("without-provider"));
        assertTrue(stderr.contains("resty-counter: API_KEY is not set; queries need this generated key: "), stderr);
    }

    @Test
    void withoutAnyProviderAFailedStartReachesStandardError() throws Exception {
        Path bare = withoutSlf4jProvider(war, work.resolve("bare-failing.war"));
        Path dir = work.resolve("failing");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, err), true, StandardCharsets.UTF_8));
        try {
            assertThrows(IllegalStateException.class, () -> TomcatDeployment.deploy(bare, dir,
                    Map.of("LOG_DIR", dir.resolve("logs").toString(), "REDIS_EXPIRE_DAYS", "soon")));
        } finally {
            System.setErr(original);
        }
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertTrue(stderr.lines().anyMatch(l -> l.startsWith("resty-counter: the counter did not start: ")
                && l.contains("REDIS_EXPIRE_DAYS")), stderr);
    }

    /** Deploys with no API_KEY set, counts one pixel and queries it with the key found on stderr. */
    private static String deployCountAndQuery(Path warFile, Path dir) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, err), true, StandardCharsets.UTF_8));
        String stderr;
        try (Deployment app = TomcatDeployment.deploy(warFile, dir, Map.of("LOG_DIR", dir.resolve("logs").toString()))) {
            stderr = err.toString(StandardCharsets.UTF_8);
            Matcher key = GENERATED_KEY.matcher(stderr);
            assertTrue(key.find(), "the generated API_KEY on stderr:\n" + stderr);
            String base = "http://127.0.0.1:" + app.port();
            assertEquals(200, get(base + "/p/acme/signup").statusCode());
            HttpResponse<String> q = get(base + "/p-query/acme/signup", "X-Api-Key", key.group(1));
            assertEquals(200, q.statusCode(), q.body());
            assertEquals("1+0", q.body().strip());
        } finally {
            System.setErr(original);
        }
        return stderr;
    }

    private static HttpResponse<String> get(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String section(String readme) {
        int start = readme.indexOf("\n" + SECTION + "\n");
        assertTrue(start >= 0, "README has no " + SECTION);
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    static List<String> blocks(String section) {
        List<String> blocks = new ArrayList<>();
        for (int at = section.indexOf("```xml\n"); at >= 0; at = section.indexOf("```xml\n", at + 1)) {
            int from = at + "```xml\n".length();
            blocks.add(section.substring(from, section.indexOf("\n```", from)));
        }
        return blocks;
    }

    /** The README's command that puts the artifacts in the local repository, an indented code line. */
    static String installCommand(String section) {
        return section.lines().filter(l -> l.startsWith("    mvn ") && l.contains("install")).map(String::strip)
                .findFirst().orElseThrow(() -> new AssertionError("the README does not say how to install"));
    }

    private static String webappPom(String dependencies) {
        // Plugin versions pinned to the ones this build already holds, so the build stays offline.
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>fresh-webapp</artifactId>
                  <version>1.0</version>
                  <packaging>war</packaging>
                  <properties>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <maven.compiler.release>17</maven.compiler.release>
                  </properties>
                  <dependencies>
                %s
                  </dependencies>
                  <build>
                    <finalName>fresh-webapp</finalName>
                    <plugins>
                      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.14.1</version></plugin>
                      <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.5.4</version></plugin>
                      <plugin><artifactId>maven-war-plugin</artifactId><version>3.4.0</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(dependencies);
    }

    /** Every pom (the reactor reads them all) and the sources of the modules counter-servlet needs. */
    private static boolean neededToInstallServlet(Path relative) {
        if (relative.getFileName().toString().equals("pom.xml") || relative.startsWith(".mvn")) {
            return true;
        }
        return relative.startsWith("counter-core") || relative.startsWith("counter-servlet");
    }

    private static void copyTree(Path from, Path to, Predicate<Path> wanted) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path relative = from.relativize(file);
                if (isBuildOutput(relative) || relative.startsWith(".git") || !wanted.test(relative)) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static boolean isBuildOutput(Path relative) {
        for (Path part : relative) {
            if (part.toString().equals("target")) {
                return true;
            }
        }
        return false;
    }

    private static String mvn() {
        String home = System.getProperty("maven.home");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
            return Path.of(home, "bin", "mvn").toString();
        }
        return "mvn";
    }

    private static void run(Path dir, List<String> command) throws Exception {
        Path output = Files.createTempFile(work, "mvn", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + command);
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " in " + dir + ":\n" + read(output));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean hasSlf4jProvider(Path warFile) throws IOException {
        try (FileSystem zip = FileSystems.newFileSystem(warFile)) {
            try (Stream<Path> libs = Files.list(zip.getPath("/WEB-INF/lib"))) {
                return libs.anyMatch(FreshWebappIT::isSlf4jProvider);
            }
        }
    }

    private static Path withoutSlf4jProvider(Path warFile, Path copy) throws IOException {
        Files.copy(warFile, copy, StandardCopyOption.REPLACE_EXISTING);
        try (FileSystem zip = FileSystems.newFileSystem(copy)) {
            try (Stream<Path> libs = Files.list(zip.getPath("/WEB-INF/lib"))) {
                for (Path lib : libs.filter(FreshWebappIT::isSlf4jProvider).toList()) {
                    Files.delete(lib);
                }
            }
        }
        assertFalse(hasSlf4jProvider(copy));
        return copy;
    }

    private static boolean isSlf4jProvider(Path lib) {
        String name = lib.getFileName().toString();
        return name.startsWith("slf4j-") && !name.startsWith("slf4j-api") || name.startsWith("logback-classic")
                || name.startsWith("jetty-slf4j-impl");
    }

    /** Everything written to stderr still shows in the test's output, and is kept to be searched. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public synchronized void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
