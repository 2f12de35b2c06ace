-- core.get_info(): the "show info" fields as a table of strings.
local function reply(applet, body)
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end

core.register_service("info", "http", function(applet)
    local i = core.get_info()
    local out = {}
    for _, k in ipairs({ "Name", "Nbthread", "Process_num", "Pid", "Uptime_sec", "CumReq",
                         "CurrConns" }) do
        out[#out + 1] = k .. ":" .. type(i[k])
    end
    out[#out + 1] = "pid_ok=" .. tostring(tonumber(i.Pid) > 0)
    out[#out + 1] = "name=" .. tostring(i.Name)
    out[#out + 1] = "nbthread=" .. tostring(i.Nbthread)
    reply(applet, table.concat(out, " "))
end)
