/**
 * Everything that speaks to Redis through Lettuce: the client ({@code RedisConnector}), the live
 * store in its parts (pending deltas, the exactly-once batch protocol, the flusher), the archive,
 * tenant keys, the tenant registry's Redis source, the key of the day of LOG_IP=hashed
 * ({@code RedisIpHashKeys}) and small shared state ({@code RedisLink}). Imports the face, {@code report}
 * (the archive's month format) and {@code tenant} (the registry's settings).
 */
package io.restycounter.core.redis;
