/**
 * What keeps a hit from counting when it should not: the per-client rate limit, the bot classifier,
 * signed pixels and the per-tenant quotas. Imports the face and {@code geoip} (address parsing).
 */
package io.restycounter.core.guard;
