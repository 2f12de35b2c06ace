-- A task runs in the background from start-up; it sleeps between ticks. Another task ends at
-- once after recording its run. Tasks may use sockets (here: the TCP echo origin).
local ticks, quick, echoed = 0, "no", "none"
core.register_task(function()
    while true do
        ticks = ticks + 1
        core.msleep(20)
    end
end)
core.register_task(function()
    quick = "yes"
end)
core.register_task(function()
    local s = core.tcp()
    s:settimeout(3)
    if s:connect("127.0.0.1", ${ECHO}) then
        s:send("from task\n")
        echoed = s:receive("*l")
        s:close()
    end
end)
core.register_service("report", "http", function(applet)
    local body = "ticking=" .. tostring(ticks > 2) .. " quick=" .. quick .. " echoed=" .. tostring(echoed)
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
