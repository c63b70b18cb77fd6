/**
 * Everything that speaks to Redis through Lettuce: the client ({@code RedisConnector}), the live
 * store in its parts (pending deltas, the exactly-once batch protocol, the flusher), the archive with
 * its all-time totals, tenant keys and small shared state ({@code RedisLink}). Imports the face and
 * {@code report} (the archive's month format).
 */
package io.restycounter.core.redis;
