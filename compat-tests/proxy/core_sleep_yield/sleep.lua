-- core.sleep, core.msleep and core.yield in an action and a service: the script waits and
-- carries on; elapsed times are checked against core.now().
local function reply(applet, body)
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end

local function ms_since(t)
    local n = core.now()
    return (n.sec - t.sec) * 1000 + (n.usec - t.usec) // 1000
end

core.register_action("pause", { "http-req" }, function(txn)
    local t = core.now()
    core.msleep(50)
    core.yield()
    txn:set_var("txn.waited", tostring(ms_since(t) >= 50))
end)

core.register_service("slow", "http", function(applet)
    local t = core.now()
    core.sleep(1)
    for _ = 1, 3 do core.yield() end
    local body = "action_waited=" .. tostring(applet:get_var("txn.waited"))
        .. " service_waited=" .. tostring(ms_since(t) >= 1000)
    reply(applet, body)
end)
