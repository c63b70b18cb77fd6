/**
 * The tenant registry: which tenants exist and their settings (query keys as digests, signing secret,
 * redirect hosts, quotas, counter rules, time zone, privacy, uniques period), kept in the TENANTS TOML
 * file or in Redis, reloaded while running and read by the pixel path as an immutable snapshot.
 * Imports the face only; the Redis source lives in {@code redis}.
 */
package io.restycounter.core.tenant;
