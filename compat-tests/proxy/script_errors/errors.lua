-- A runtime error in an action is logged and the rules go on; in a service before its
-- response, the client gets a 500; other requests are unaffected.
local function reply(applet, body)
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end

core.register_action("failing_action", { "http-req" }, function(txn)
    local t = nil
    return t.field
end)

core.register_service("failing_service", "http", function(applet)
    error("service broke")
end)

core.register_service("fine", "http", function(applet)
    reply(applet, "still fine")
end)
