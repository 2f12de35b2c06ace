-- tcp-request / tcp-response content actions working on the Channel: read a line, replace,
-- append, prepend, then let the rest flow to the TCP echo origin (which sends it back).
core.register_action("rewrite", { "tcp-req" }, function(txn)
    local ch = txn.req
    local line = ch:getline()           -- waits for a full line, removes it
    ch:prepend(string.upper(line))      -- puts it back, changed
    ch:append("[" .. tostring(ch:is_resp()) .. "]")
end)

core.register_action("peek", { "tcp-req" }, function(txn)
    local ch = txn.req
    local first = ch:line()             -- looks without removing
    ch:set("<" .. first:gsub("\n", "") .. ">\n")
end)

core.register_action("tag_response", { "tcp-res" }, function(txn)
    local ch = txn.res
    local d = ch:data()
    ch:remove()
    ch:send("resp=" .. d)
end)
