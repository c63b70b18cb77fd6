/**
 * The embedded default, for a node without Redis: live counts in memory, the archive and tenant keys
 * in files on this node's disk, unique visitors in {@code audience}'s sketches. Imports the face,
 * {@code report} (the archive's month format) and {@code audience}.
 */
package io.restycounter.core.embedded;
