/**
 * The admin port: Prometheus metrics, liveness and readiness, on a connector of its own that the public
 * port never serves.
 */
package io.restycounter.app.admin;
