-- txn:done() ends the transaction at once (nothing after it runs, the client gets no
-- response); core.done() ends only the Lua function, the rules continue.
core.register_action("stop", { "http-req" }, function(txn)
    txn:done()
    error("not reached")
end)

core.register_action("core_done", { "http-req" }, function(txn)
    txn:set_var("txn.after", "before-done")
    core.done()
    txn:set_var("txn.after", "not reached")
end)
