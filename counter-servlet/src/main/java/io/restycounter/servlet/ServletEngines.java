package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServletRequest;

/** Finds the engine the host webapp put in its ServletContext, and the raw path the servlet serves. */
final class ServletEngines {

    private ServletEngines() {
    }

    static CounterEngine lookup(ServletContext context) throws ServletException {
        Object engine = context.getAttribute(CounterEngine.CONTEXT_ATTRIBUTE);
        if (engine instanceof CounterEngine e) {
            return e;
        }
        throw new UnavailableException("no CounterEngine in the ServletContext attribute "
                + CounterEngine.CONTEXT_ATTRIBUTE + ": register CounterContextListener or put one there");
    }

    /**
     * The request path after this servlet's mapping, still percent-encoded, so that an encoded slash
     * or dot stays visible to validation instead of being decoded into the path.
     */
    static String rawPathInfo(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String prefix = request.getContextPath() + request.getServletPath();
        if (uri.startsWith(prefix)) {
            return uri.substring(prefix.length());
        }
        String info = request.getPathInfo();
        return info == null ? "" : info;
    }
}
