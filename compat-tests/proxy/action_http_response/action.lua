-- http-response actions: read and change the response.
core.register_action("resp", { "http-res" }, function(txn)
    local h = txn.http:res_get_headers()
    txn.http:res_set_header("x-origin-type", h["content-type"][0])
    txn.http:res_add_header("x-status", tostring(txn.sf:status()))
    txn.http:res_del_header("content-type")
    if txn:get_var("txn.path") == "/teapot" then
        txn.http:res_set_status(418, "Short and stout")
    end
end)
