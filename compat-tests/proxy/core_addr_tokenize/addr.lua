-- core.parse_addr / core.match_addr on networks, core.tokenize with and without empty
-- fields.
local function reply(applet, body)
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end

local function list(t)
    return "{" .. table.concat(t, "|") .. "}"
end

core.register_service("addr", "http", function(applet)
    local net = core.parse_addr("192.168.0.0/16")
    local host = core.parse_addr("192.168.3.4")
    local other = core.parse_addr("10.0.0.1")
    local v6 = core.parse_addr("2001:db8::/32")
    local v6host = core.parse_addr("2001:db8::1")
    local out = {
        "types=" .. type(net) .. "," .. tostring(core.parse_addr("not an address")),
        "in=" .. tostring(core.match_addr(net, host)),
        "out=" .. tostring(core.match_addr(net, other)),
        "v6=" .. tostring(core.match_addr(v6, v6host)),
        "tok=" .. list(core.tokenize("a,b;;c", ",;")),
        "tok_noempty=" .. list(core.tokenize("a,b;;c", ",;", true)),
        "tok_blank=" .. list(core.tokenize("  x  y ", " ", true)),
    }
    reply(applet, table.concat(out, "\n"))
end)
