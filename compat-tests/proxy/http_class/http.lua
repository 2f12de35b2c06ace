-- The HTTP class on the request: headers (get, add, set, del, replace by regex), method,
-- path, query, URI.
core.register_action("rewrite", { "http-req" }, function(txn)
    local http = txn.http
    local h = http:req_get_headers()
    local names = {}
    for k, v in pairs(h) do names[#names + 1] = k .. "=" .. #v end
    table.sort(names)
    http:req_add_header("x-names", table.concat(names, ","))
    http:req_set_header("x-single", "one")
    http:req_del_header("x-drop")
    http:req_rep_header("x-rep", "^(a+)(b)", "\\2\\1")
    http:req_rep_value("x-list", "^v(.)$", "w\\1")
    if txn.sf:path() == "/method" then
        http:req_set_method("PUT")
        http:req_set_query("a=1")
    elseif txn.sf:path() == "/uri" then
        http:req_set_uri("/new/uri?b=2")
    end
end)
