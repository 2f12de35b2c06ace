-- core.http_date, imf_date, rfc850_date, asctime_date parse the three HTTP date formats;
-- core.now() gives the time as a table.
local function reply(applet, body)
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end

core.register_service("dates", "http", function(applet)
    local now = core.now()
    local out = {
        "http=" .. tostring(core.http_date("Sun, 06 Nov 1994 08:49:37 GMT")),
        "http850=" .. tostring(core.http_date("Sunday, 06-Nov-94 08:49:37 GMT")),
        "httpasc=" .. tostring(core.http_date("Sun Nov  6 08:49:37 1994")),
        "imf=" .. tostring(core.imf_date("Sun, 06 Nov 1994 08:49:37 GMT")),
        "rfc850=" .. tostring(core.rfc850_date("Sunday, 06-Nov-94 08:49:37 GMT")),
        "asctime=" .. tostring(core.asctime_date("Sun Nov  6 08:49:37 1994")),
        "bad=" .. tostring(core.http_date("yesterday")),
        "now=" .. math.type(now.sec) .. "," .. math.type(now.usec) .. "," .. tostring(now.sec > 1600000000),
    }
    reply(applet, table.concat(out, "\n"))
end)
