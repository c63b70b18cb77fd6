/**
 * The permanent record: the daily JSON-lines writer ({@code DailyFileHitLog}), its reader, file names
 * and day arithmetic. Imports the face and {@code geoip} (a line carries the hit's location).
 */
package io.restycounter.core.log;
