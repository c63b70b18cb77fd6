package io.restycounter.bench;

import io.restycounter.core.http.Pixel;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The ceiling for a pixel served by Jetty on this machine: the same GIF and headers as the app,
 * with no parsing, counting or logging. bench/run measures it beside the app, so the table shows
 * what the counting costs and what Jetty itself costs against nginx.
 * Usage: java -cp counter-bench.jar io.restycounter.bench.BareJettyPixel PORT
 */
public final class BareJettyPixel {

    private BareJettyPixel() {
    }

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, Pixel.CONTENT_TYPE);
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, Pixel.CACHE_CONTROL);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Pixel.length());
                response.write(true, Pixel.buffer(), callback);
                return true;
            }
        });
        server.start();
        server.join();
    }
}
