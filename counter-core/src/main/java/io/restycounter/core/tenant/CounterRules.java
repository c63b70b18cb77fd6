package io.restycounter.core.tenant;

import io.restycounter.core.CounterKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which counter names a tenant may count: exact names ({@code home}) and prefixes ({@code blog-*}).
 * Checked on every pixel of a tenant that has rules: a set lookup and a few {@code startsWith}.
 */
public final class CounterRules {

    private final List<String> rules;
    private final Set<String> exact;
    private final String[] prefixes;

    private CounterRules(List<String> rules, Set<String> exact, String[] prefixes) {
        this.rules = rules;
        this.exact = exact;
        this.prefixes = prefixes;
    }

    /**
     * @param rules counter names, or prefixes ending in {@code *}
     * @throws IllegalArgumentException for a rule that is no counter name (after removing a final {@code *})
     */
    public static CounterRules of(List<String> rules) {
        List<String> exact = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (String rule : rules) {
            boolean prefix = rule.endsWith("*");
            String name = prefix ? rule.substring(0, rule.length() - 1) : rule;
            if (!CounterKey.isValidCounter(name) && !(prefix && name.isEmpty())) {
                throw new IllegalArgumentException("expected counter names or prefixes ending in *, of "
                        + "[A-Za-z0-9._~-], got \"" + rule + "\"");
            }
            (prefix ? prefixes : exact).add(name);
        }
        return new CounterRules(List.copyOf(rules), Set.copyOf(exact), prefixes.toArray(new String[0]));
    }

    public boolean allows(String counter) {
        if (exact.contains(counter)) {
            return true;
        }
        for (String p : prefixes) {
            if (counter.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The rules as written. */
    public List<String> rules() {
        return rules;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CounterRules r && r.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return rules.hashCode();
    }

    @Override
    public String toString() {
        return rules.toString();
    }
}
