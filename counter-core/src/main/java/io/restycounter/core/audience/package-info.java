/**
 * Unique visitors: the keyed hash that names a visitor (SipHash-2-4 of a secret salt, the tenant, the
 * client address and the User-Agent), the salts (one per tenant and period, deleted when the period
 * ends), the bounded queue of visitors between the request thread and the flush, and the embedded
 * store's HyperLogLog sketches (Apache DataSketches). Imports the face only; the Redis store builds
 * its own salts and sketches on these parts.
 */
package io.restycounter.core.audience;
