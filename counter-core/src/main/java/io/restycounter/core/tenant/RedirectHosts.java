package io.restycounter.core.tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The hosts a tenant's {@code redir} may send to: {@code example.com}, or {@code *.example.com} for
 * its subdomains; compiled once into the case-insensitive pattern the pixel path matches with.
 */
public final class RedirectHosts {

    private final List<String> hosts;
    private final Pattern pattern;

    RedirectHosts(List<String> hosts) {
        this.hosts = List.copyOf(hosts);
        List<String> alternatives = new ArrayList<>();
        for (String h : hosts) {
            alternatives.add(h.startsWith("*.") ? "(?:[^.]+\\.)+" + Pattern.quote(h.substring(2)) : Pattern.quote(h));
        }
        // An empty list allows no host: a pattern that matches nothing.
        this.pattern = Pattern.compile(alternatives.isEmpty() ? "(?!)" : String.join("|", alternatives),
                Pattern.CASE_INSENSITIVE);
    }

    public List<String> hosts() {
        return hosts;
    }

    /** Whole host names allowed, for {@code Matcher.matches}. */
    public Pattern pattern() {
        return pattern;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedirectHosts r && r.hosts.equals(hosts);
    }

    @Override
    public int hashCode() {
        return hosts.hashCode();
    }

    @Override
    public String toString() {
        return hosts.toString();
    }
}
