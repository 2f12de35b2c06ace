-- Sample fetches and converters written in Lua, used from the configuration: arguments,
-- return types (string, integer, boolean), access to the transaction from a fetch.
core.register_fetches("twice", function(txn, s)
    return s .. s
end)

core.register_fetches("count_hdrs", function(txn)
    local n = 0
    for _ in pairs(txn.http:req_get_headers()) do n = n + 1 end
    return n
end)

core.register_fetches("host_or", function(txn, default)
    local h = txn.f:req_hdr("x-host")
    return h or default
end)

core.register_fetches("is_blocked", function(txn)
    return txn.sf:req_hdr("x-block") == "yes"
end)

core.register_converters("shout", function(s)
    return string.upper(s) .. "!"
end)

core.register_converters("wrap", function(s, a, b)
    return a .. s .. b
end)

core.register_converters("succ", function(s)
    return tonumber(s) + 1
end)
