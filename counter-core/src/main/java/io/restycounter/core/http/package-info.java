/**
 * What every front door answers, without a transport: the pixel request's parse, the query API and
 * their answers. The servlets and the Jetty handler only copy these onto their responses. Imports the
 * face and {@code guard}.
 */
package io.restycounter.core.http;
