package io.restycounter.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Debian's chromium, headless: loads a page, runs its scripts, and gives back the DOM they left. */
final class HeadlessChromium {

    private HeadlessChromium() {
    }

    static String executable() {
        for (String p : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new AssertionError("chromium not found: run bin/test (it installs Debian's chromium) or apt-get install chromium");
    }

    /** The DOM of {@code url} once its scripts ran, with a fresh profile under {@code dir}. */
    static String dumpDom(Path dir, String url) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("profile"));
        Process p = new ProcessBuilder(executable(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", url)
                .redirectError(dir.resolve("chromium.log").toFile()).start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
        return new String(dom, StandardCharsets.UTF_8);
    }
}
