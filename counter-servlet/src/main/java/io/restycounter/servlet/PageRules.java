package io.restycounter.servlet;

import io.restycounter.core.CounterKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Which pages of the host webapp {@link CounterFilter} counts, and under which counter: parsed and
 * validated once from the filter's init-params, immutable after that.
 */
final class PageRules {

    static final Set<String> DEFAULT_ASSET_EXTENSIONS = Set.of(
            "css", "js", "mjs", "map",
            "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp",
            "woff", "woff2", "ttf", "otf", "eot",
            "mp3", "mp4", "webm", "ogg", "wav", "webmanifest");

    private final String tenant;
    private final String fixedCounter;
    private final List<PathPattern> include;
    private final List<PathPattern> exclude;
    private final Set<String> assetExtensions;

    private PageRules(String tenant, String fixedCounter, List<PathPattern> include, List<PathPattern> exclude,
                      Set<String> assetExtensions) {
        this.tenant = tenant;
        this.fixedCounter = fixedCounter;
        this.include = include;
        this.exclude = exclude;
        this.assetExtensions = assetExtensions;
    }

    /**
     * @param params the filter's init-params by name
     * @throws IllegalArgumentException naming the init-param that is wrong
     */
    static PageRules parse(UnaryOperator<String> params) {
        String tenant = trimmed(params.apply("tenant"));
        if (tenant == null) {
            throw new IllegalArgumentException("tenant: required, expected [a-z0-9]{1,32}");
        }
        if (!CounterKey.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant: expected [a-z0-9]{1,32}, got \"" + cut(tenant) + '"');
        }
        String counter = trimmed(params.apply("counter"));
        String from = trimmed(params.apply("counter-from"));
        if (counter != null && from != null) {
            throw new IllegalArgumentException("counter-from: give either counter or counter-from, not both");
        }
        if (from != null && !from.equals("path")) {
            throw new IllegalArgumentException("counter-from: expected path, got \"" + cut(from) + '"');
        }
        if (counter != null && !CounterKey.isValidCounter(counter)) {
            throw new IllegalArgumentException(
                    "counter: expected 1 to 128 characters of [A-Za-z0-9._~-], got \"" + cut(counter) + '"');
        }
        String includeParam = trimmed(params.apply("include"));
        List<PathPattern> include = PathPattern.parseList("include", includeParam == null ? "/*" : includeParam);
        List<PathPattern> exclude = PathPattern.parseList("exclude", params.apply("exclude"));
        return new PageRules(tenant, counter, include, exclude, assetExtensions(params.apply("asset-extensions")));
    }

    private static Set<String> assetExtensions(String param) {
        String v = trimmed(param);
        if (v == null) {
            return DEFAULT_ASSET_EXTENSIONS;
        }
        if (v.equalsIgnoreCase("none")) {
            return Set.of();
        }
        List<String> out = new ArrayList<>();
        for (String one : v.split(",")) {
            String ext = one.trim().toLowerCase(Locale.ROOT);
            if (ext.startsWith(".")) {
                ext = ext.substring(1);
            }
            if (ext.isEmpty() || ext.indexOf('/') >= 0 || ext.indexOf('.') >= 0) {
                throw new IllegalArgumentException(
                        "asset-extensions: expected a comma list of extensions such as css,js,png, or none; got \""
                                + cut(v) + '"');
            }
            out.add(ext);
        }
        return Set.copyOf(out);
    }

    String tenant() {
        return tenant;
    }

    /**
     * The counter that a successful GET of {@code path} adds to, or null when the page is not counted.
     *
     * @param path the decoded path inside the webapp, starting with {@code /}
     */
    String counterFor(String path) {
        if (!matchesAny(include, path) || matchesAny(exclude, path) || isAsset(path)) {
            return null;
        }
        return fixedCounter != null ? fixedCounter : counterFromPath(path);
    }

    boolean isAsset(String path) {
        String ext = PathPattern.extension(path);
        return ext != null && assetExtensions.contains(ext.toLowerCase(Locale.ROOT));
    }

    private static boolean matchesAny(List<PathPattern> patterns, String path) {
        for (PathPattern p : patterns) {
            if (p.matches(path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The counter named after a path: without the leading {@code /}, each {@code /} turned into
     * {@code .}, every other character outside {@code [A-Za-z0-9._~-]} into {@code _}, cut to 128
     * characters. {@code /} and a path ending in {@code /} name their {@code index}.
     */
    static String counterFromPath(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty() || p.endsWith("/")) {
            p = p + "index";
        }
        StringBuilder b = new StringBuilder(Math.min(p.length(), CounterKey.MAX_COUNTER_LENGTH));
        boolean onlyDots = true;
        for (int i = 0; i < p.length() && b.length() < CounterKey.MAX_COUNTER_LENGTH; ) {
            int c = p.codePointAt(i);
            i += Character.charCount(c);
            char out = c == '/' ? '.' : isCounterChar(c) ? (char) c : '_';
            onlyDots &= out == '.';
            b.append(out);
        }
        String name = b.toString();
        // "." and ".." are not counter names; "/.." never reaches a filter, but "/..." may.
        return onlyDots ? name.replace('.', '_') : name;
    }

    private static boolean isCounterChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '~' || c == '-';
    }

    private static String trimmed(String v) {
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    private static String cut(String v) {
        return v.length() > 60 ? v.substring(0, 60) + "..." : v;
    }

    /**
     * A path pattern as in a servlet mapping: {@code /*} (everything), {@code /docs/*} ({@code /docs}
     * and below), {@code *.html} (by the last segment's extension) or an exact path such as
     * {@code /} or {@code /about}.
     */
    record PathPattern(Kind kind, String value) {

        enum Kind { ALL, PREFIX, EXTENSION, EXACT }

        static List<PathPattern> parseList(String param, String csv) {
            List<PathPattern> out = new ArrayList<>();
            if (csv == null) {
                return out;
            }
            for (String one : csv.split(",")) {
                String s = one.trim();
                if (!s.isEmpty()) {
                    out.add(parse(param, s));
                }
            }
            return List.copyOf(out);
        }

        static PathPattern parse(String param, String s) {
            if (s.equals("/*")) {
                return new PathPattern(Kind.ALL, "");
            }
            if (s.startsWith("*.") && s.length() > 2 && s.indexOf('/') < 0 && s.indexOf('*', 1) < 0) {
                return new PathPattern(Kind.EXTENSION, s.substring(2));
            }
            if (s.startsWith("/") && s.endsWith("/*") && s.indexOf('*') == s.length() - 1) {
                return new PathPattern(Kind.PREFIX, s.substring(0, s.length() - 2));
            }
            if (s.startsWith("/") && s.indexOf('*') < 0) {
                return new PathPattern(Kind.EXACT, s);
            }
            throw new IllegalArgumentException(param + ": expected patterns such as /docs/*, *.html or /about, got \""
                    + cut(s) + '"');
        }

        boolean matches(String path) {
            return switch (kind) {
                case ALL -> true;
                case EXACT -> path.equals(value);
                case PREFIX -> path.equals(value) || (path.startsWith(value) && path.charAt(value.length()) == '/');
                case EXTENSION -> value.equals(extension(path));
            };
        }

        /** The extension of the path's last segment, or null when it has none. */
        static String extension(String path) {
            int slash = path.lastIndexOf('/');
            int dot = path.lastIndexOf('.');
            return dot > slash + 1 && dot < path.length() - 1 ? path.substring(dot + 1) : null;
        }
    }
}
