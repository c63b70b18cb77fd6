/**
 * What every front door answers, without a transport: the pixel request's parse, the query API (JSON,
 * text, or CSV streamed by {@link io.restycounter.core.http.HttpAnswer#writeBodyTo}), the SVG badges of
 * {@link io.restycounter.core.http.Badges}, and {@link io.restycounter.core.http.HttpAnswer}, the status,
 * headers and body of each answer ({@link io.restycounter.core.http.PixelAnswer} for pixels). The servlets
 * and the Jetty handler only copy these onto their responses; for the import's {@code POST} they hand over
 * the body ({@link io.restycounter.core.http.HistoryImportAnswer}). Imports the face, {@code guard} and
 * {@code report}.
 */
package io.restycounter.core.http;
