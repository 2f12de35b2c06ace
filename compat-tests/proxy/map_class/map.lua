-- Map: files loaded in the body context with exact and prefix matching; lookup returns nil
-- when nothing matches, slookup an empty string.
local hosts = Map.new("hosts.map", Map._str)
local prefixes = Map.new("prefixes.map", Map._beg)

core.register_service("lookup", "http", function(applet)
    local host = applet.headers["host"][0]
    local body = table.concat({
        "host=" .. tostring(hosts:lookup(host)),
        "shost=[" .. hosts:slookup(host) .. "]",
        "prefix=" .. tostring(prefixes:lookup(applet.path)),
        "consts=" .. tostring(Map._str) .. "," .. tostring(Map._beg),
    }, " ")
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
