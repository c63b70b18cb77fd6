/**
 * Where a hit comes from: the client address behind trusted proxies, MaxMind GeoIP2 lookups with hot
 * reload, and the weekly database updater. Imports the face only.
 */
package io.restycounter.core.geoip;
