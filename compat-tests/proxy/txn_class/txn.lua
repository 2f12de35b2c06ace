-- TXN: variables of every scope, private data, the sample objects, log level functions.
core.register_action("vars", { "http-req" }, function(txn)
    txn:set_var("txn.a", "alpha")
    txn:set_var("txn.n", 42)
    txn:set_var("txn.gone", "x")
    txn:unset_var("txn.gone")
    txn:set_var("sess.s", "session")
    txn:set_priv({ hits = 1 })
    local p = txn:get_priv()
    p.hits = p.hits + 1
    local out = table.concat({
        txn:get_var("txn.a"),
        math.type(txn:get_var("txn.n")),
        tostring(txn:get_var("txn.gone")),
        txn:get_var("req.from_cfg"),
        tostring(txn:get_priv().hits),
        type(txn.f), type(txn.sf), type(txn.c), type(txn.sc), type(txn.http),
    }, ",")
    txn:set_var("txn.out", out)
    txn:Info("vars action ran")
    txn:set_loglevel(core.info)
end)

core.register_service("report", "http", function(applet)
    local body = string.format("a=%s n=%s f=%s", tostring(applet:get_var("txn.a")),
        tostring(applet:get_var("txn.n")), type(applet.f))
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
