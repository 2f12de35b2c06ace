-- http-after-response actions run on every response, also on HAProxy's own (a deny page).
core.register_action("after", { "http-after-res" }, function(txn)
    txn.http:res_add_header("x-after", tostring(txn.sf:status()))
end)
