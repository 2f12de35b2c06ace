-- http-request actions: change the request the origin sees, set variables, take arguments.
core.register_action("tag", { "http-req" }, function(txn)
    txn.http:req_add_header("x-tag", "lua")
    txn:set_var("txn.note", "tagged " .. txn.sf:path())
end)

core.register_action("route", { "http-req" }, function(txn)
    txn.http:req_set_path("/routed" .. string.sub(txn.sf:path(), 3))
    txn.http:req_set_header("x-seen", txn.f:req_hdr("host"))
end)

core.register_action("with_args", { "http-req" }, function(txn, a, b)
    txn:set_var("txn.args", a .. "," .. b .. "," .. type(b))
end, 2)
