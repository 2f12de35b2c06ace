-- AppletTCP: getline until the end of input, receive(n), receive() to the end, private data.
core.register_service("lines", "tcp", function(applet)
    local n = 0
    while true do
        local l = applet:getline()
        if l == "" then break end
        n = n + 1
        applet:send(n .. ":" .. string.upper(l))
    end
    applet:send("bye\n")
end)

core.register_service("sized", "tcp", function(applet)
    local a = applet:receive(3)
    local rest = applet:receive()
    applet:send("[" .. a .. "][" .. rest .. "]")
end)

core.register_service("priv", "tcp", function(applet)
    applet:set_priv({ n = 41 })
    local p = applet:get_priv()
    applet:send("priv=" .. tostring(p and p.n + 1) .. "\n")
end)
