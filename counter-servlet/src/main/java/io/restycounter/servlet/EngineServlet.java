package io.restycounter.servlet;

import io.restycounter.core.CounterEngine;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;

/** A servlet of the counter: it finds the webapp's engine once, at init. */
abstract class EngineServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    transient CounterEngine engine;

    @Override
    public void init() throws ServletException {
        engine = ServletEngines.lookup(getServletContext());
    }
}
