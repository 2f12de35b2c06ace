-- Built-in fetches and converters through the Fetches (txn.f, txn.sf) and Converters
-- (txn.c, txn.sc) objects, from an action; a service uses the converters.
core.register_action("samples", { "http-req" }, function(txn)
    local f, sf, c, sc = txn.f, txn.sf, txn.c, txn.sc
    local out = {
        "method=" .. sf:method(),
        "path=" .. sf:path(),
        "query=" .. sf:query(),
        "hdr=" .. sf:req_hdr("x-a"),
        "cnt=" .. tostring(f:req_hdr_cnt("x-a")),
        "src=" .. sf:src(),
        "fe=" .. sf:fe_name(),
        "int=" .. math.type(f:int(7)),
        "lower=" .. sc:lower("MiXeD"),
        "upper=" .. sc:upper("MiXeD"),
        "b64=" .. sc:base64("hello"),
        "hex=" .. sc:hex("AB"),
        "len=" .. tostring(c:length("four")),
        "crc=" .. tostring(c:crc32("abc")),
        "field=" .. sc:field("a,b,c", 2, ","),
        "url_dec=" .. sc:url_dec("a%20b"),
        "json=" .. sc:json("a\"b", "ascii"),
    }
    txn:set_var("txn.out", table.concat(out, " "))
end)

core.register_service("convert", "http", function(applet)
    local body = applet.sc:upper(applet.path) .. " " .. applet.sc:sha1("x"):len()
        .. " " .. applet.sc:ltrim("  x", " ")
    applet:add_header("content-length", #body)
    applet:start_response()
    applet:send(body)
end)
