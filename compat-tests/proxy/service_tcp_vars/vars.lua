-- A tcp-request content action classifies the connection from its first bytes and sets
-- variables; the TCP service that follows reads them and uses fetches and converters.
core.register_action("classify", { "tcp-req" }, function(txn)
    local first = txn.req:line()
    txn:set_var("txn.kind", first:match("^(%a+)") or "none")
    txn:set_var("sess.src", txn.sf:src())
end)

core.register_service("report", "tcp", function(applet)
    local l = applet:getline()
    applet:send(string.format("kind=%s src=%s len=%d upper=%s\n",
        applet:get_var("txn.kind"), applet:get_var("sess.src"), #l,
        applet.sc:upper((l:gsub("\n", "")))))
end)
