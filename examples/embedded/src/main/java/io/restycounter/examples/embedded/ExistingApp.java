package io.restycounter.examples.embedded;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Stands for the webapp you already have: a home page and an about page. */
public class ExistingApp extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!path.equals("/") && !path.equals("/about")) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("text/html; charset=utf-8");
        response.getWriter().write("<!DOCTYPE html><title>app</title><p>" + path
                + " is counted; so is <img src=\"/p/acme/signup\" alt=\"\">.</p>");
    }
}
