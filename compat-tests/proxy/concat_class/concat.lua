-- core.concat(): a string builder (add, dump), usable in every context.
local built_in_body
do
    local c = core.concat()
    c:add("body")
    c:add("-ok")
    built_in_body = c:dump()
end

core.register_service("concat", "http", function(applet)
    local c = core.concat()
    for i = 1, 5 do
        c:add(tostring(i))
        c:add(",")
    end
    local first = c:dump()
    c:add("end")
    local body = first .. " " .. c:dump() .. " " .. built_in_body
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
