-- Boolean samples handed to Lua: a fetch result, converter results, a variable holding a
-- Lua boolean.
core.register_action("bools", { "http-req" }, function(txn)
    txn:set_var("txn.flag", true)
    txn:set_var("txn.o", table.concat({
        tostring(txn.f:always_true()),
        tostring(txn.c:bool(1)),
        tostring(txn.c:even(2)),
        tostring(txn:get_var("txn.flag")),
    }, " "))
end)
