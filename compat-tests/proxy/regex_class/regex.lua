-- Regex: new (case-sensitive or not), exec, match with captures, an invalid expression.
local function show(...)
    local t = table.pack(...)
    for i = 1, t.n do
        if type(t[i]) == "table" then
            t[i] = "{" .. table.concat(t[i], "|") .. "}"
        else
            t[i] = tostring(t[i])
        end
    end
    return table.concat(t, " ")
end

core.register_service("regex", "http", function(applet)
    local ok, re = Regex.new("^/(\\w+)/(\\d+)$", true)
    local ok2, re_i = Regex.new("hello", false)
    local bad = Regex.new("(unclosed", true)
    local out = {
        "new=" .. tostring(ok) .. "," .. tostring(ok2) .. "," .. tostring(bad),
        "exec=" .. show(re:exec(applet.path)),
        "match=" .. show(re:match(applet.path)),
        "nomatch=" .. show(re:match("/x/y")),
        "icase=" .. show(re_i:exec("say HELLO")),
    }
    local body = table.concat(out, "\n")
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
