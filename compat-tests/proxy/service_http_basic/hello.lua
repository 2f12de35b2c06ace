-- The smallest HTTP service: AppletHTTP's request fields, status, headers and body.
core.register_service("hello", "http", function(applet)
    local body = string.format("%s %s %s qs=%s len=%d",
        applet.method, applet.path, applet.version, applet.qs, applet.length)
    applet:set_status(201, "Made")
    applet:add_header("content-type", "text/plain")
    applet:add_header("content-length", tostring(#body))
    applet:add_header("x-multi", "a")
    applet:add_header("x-multi", "b")
    applet:start_response()
    applet:send(body)
end)
