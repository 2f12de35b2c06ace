-- The Channel functions allowed in HTTP mode (HAProxy's rule): direction and state only;
-- the data functions raise an error there.
core.register_action("req_channel", { "http-req" }, function(txn)
    local ok, err = pcall(function() return txn.req:data() end)
    txn:set_var("txn.o", table.concat({
        "req_is_resp=" .. tostring(txn.req:is_resp()),
        "res_is_resp=" .. tostring(txn.res:is_resp()),
        "is_full=" .. tostring(txn.req:is_full()),
        "data_ok=" .. tostring(ok),
    }, " "))
end)
