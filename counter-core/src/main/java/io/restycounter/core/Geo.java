package io.restycounter.core;

/**
 * Where a client address is, as far as the GeoIP database knows. Any part may be null.
 *
 * @param country ISO 3166-1 alpha-2 code
 * @param region  ISO code of the first subdivision
 */
public record Geo(String country, String region, String city, String postal, Double lat, Double lon) {
}
