package io.restycounter.core;

import java.util.Objects;

/**
 * The privacy policy of each tenant: the one seam through which the engine (per hit: private?
 * prefetch?) and the log writer (per line: the form of {@code ip}) ask. Called on the request thread
 * for every hit: an implementation answers from memory, without I/O or a lock shared by all threads.
 * Until a tenant registry plugs in, every tenant has the environment's policy.
 */
@FunctionalInterface
public interface TenantPrivacy {

    /** The policy of {@code tenant}; never null. */
    PrivacyPolicy of(String tenant);

    /** The same policy for every tenant. */
    static TenantPrivacy everyTenant(PrivacyPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return tenant -> policy;
    }
}
