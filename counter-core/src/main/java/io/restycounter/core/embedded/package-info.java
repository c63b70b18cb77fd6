/**
 * The embedded default, for a node without Redis: live counts in memory, the archive and tenant keys
 * in files on this node's disk. Imports the face and {@code report} (the archive's month format).
 */
package io.restycounter.core.embedded;
