-- register_init functions run after the configuration is loaded, in registration order,
-- before any traffic; they may sleep and use core functions.
local steps = {}
core.register_init(function()
    steps[#steps + 1] = "init1"
end)
core.register_init(function()
    core.msleep(10)
    steps[#steps + 1] = "init2(" .. type(core.now().sec) .. ")"
end)
steps[#steps + 1] = "body"
core.register_service("report", "http", function(applet)
    local body = table.concat(steps, ",")
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
