package io.restycounter.core.audience;

import java.util.Collection;
import java.util.Map;

/** Where the salts live: Redis (shared by every node) or the embedded store's directory. Off the request path. */
public interface Salts {

    /**
     * The salt of each key, created (with 128 random bits, expiring at the key's end) when there is
     * none yet, so every node that asks gets the same one. A key whose period has ended may get a
     * salt that is gone at once: its visitors cannot be linked to anyone.
     *
     * @throws Exception when the salts cannot be had now; the visitors waiting for them are left out
     */
    Map<Salt.SaltKey, Salt> resolve(Collection<Salt.SaltKey> keys) throws Exception;
}
