loaded[#loaded + 1] = "second"
local types = table.concat({ type(core), type(core.register_service), type(core.tcp),
    type(Regex), type(Map), type(core.concat) }, ",")
core.register_service("report", "http", function(applet)
    local body = table.concat(loaded, "+") .. " n=" .. counter() .. " " .. types
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
