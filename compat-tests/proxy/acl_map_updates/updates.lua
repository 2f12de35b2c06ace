-- core.add_acl / del_acl / set_map / del_map change the pattern and map files that the
-- configuration's ACLs and the map converter use, at run time.
core.register_action("update", { "http-req" }, function(txn)
    local what = txn.sf:path()
    if what == "/update/add" then
        core.add_acl("paths.acl", "/b")
        core.set_map("colors.map", "/b", "blue")
        core.set_map("colors.map", "/a", "green")
    elseif what == "/update/del" then
        core.del_acl("paths.acl", "/a")
        core.del_map("colors.map", "/a")
    end
end)
