/**
 * The permanent record: the daily JSON-lines writer ({@code DailyFileHitLog}) and its line encoder
 * (UTF-8 text, LOG_IP forms), its reader, file names, permissions ({@code LogFiles}) and day arithmetic. Imports the face and {@code geoip} (a line carries the hit's location).
 */
package io.restycounter.core.log;
