/**
 * The embedded default, for a node without Redis: live counts in memory, the archive, tenant keys and
 * the key of the day of LOG_IP=hashed ({@code FileIpHashKeys}) in files on this node's disk, unique
 * visitors in {@code audience}'s sketches. Imports the face, {@code report} (the archive's month format)
 * and {@code audience}.
 */
package io.restycounter.core.embedded;
