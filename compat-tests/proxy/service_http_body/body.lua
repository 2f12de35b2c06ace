-- AppletHTTP reading the request body (getline, receive with and without a size) and
-- answering without content-length (chunked), with headers from the request.
core.register_service("lines", "http", function(applet)
    local out = {}
    while true do
        local l = applet:getline()
        if l == "" then break end
        out[#out + 1] = "[" .. l:gsub("\n", "|") .. "]"
    end
    local body = table.concat(out, ",")
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)

core.register_service("receive", "http", function(applet)
    local head = applet:receive(4)
    local rest = applet:receive()
    local body = "head=" .. head .. " rest=" .. rest
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)

core.register_service("chunked", "http", function(applet)
    local h = applet.headers
    applet:set_status(200)
    applet:add_header("x-agent", h["user-agent"][0])
    applet:add_header("x-count", #h["x-v"] + 1)
    applet:start_response()
    applet:send("part one;")
    applet:send(" part two:" .. h["x-v"][0] .. h["x-v"][1])
end)
