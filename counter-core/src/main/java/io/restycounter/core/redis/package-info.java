/**
 * Everything that speaks to Redis through Lettuce: the client ({@code RedisConnector}), the live
 * store in its parts (pending deltas, the exactly-once batch protocol, the flusher, the visitor ids
 * that ride in its batches, what it sends once per day ({@code SentToday}: expiries, visitor ids a
 * sketch holds) and the salts and sketches of unique visitors), the archive with its all-time totals, tenant keys,
 * the tenant registry's Redis source, the key of the day of LOG_IP=hashed ({@code RedisIpHashKeys}) and
 * small shared state ({@code RedisLink}). Imports the face, {@code report} (the archive's month format),
 * {@code tenant} (the registry's settings) and {@code audience} (visitor ids).
 */
package io.restycounter.core.redis;
