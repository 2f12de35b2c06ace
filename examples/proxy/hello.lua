-- The bundled example: a Lua HTTP service and a Lua action, run by `halo -f halo.cfg`.

-- A service answering /hello itself. core.sleep is a real await: a thousand clients
-- asking /hello?wait=1 at once are all answered after about one second.
core.register_service("hello", "http", function(applet)
  local wait = tonumber(applet.qs:match("wait=(%d+)"))
  if wait then core.sleep(wait) end
  local body = string.format("Hello from Halo! You asked for %s with %s.\n",
    applet.path, applet.headers["user-agent"] and applet.headers["user-agent"][0] or "no user-agent")
  applet:set_status(200)
  applet:add_header("content-type", "text/plain")
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)

-- An action in front of the backend: counts requests and tags each one with a header the
-- backend echoes back.
local served = 0
core.register_action("stamp", { "http-req" }, function(txn)
  served = served + 1
  txn.http:req_set_header("x-halo-request", tostring(served))
  txn:set_var("txn.client", txn.sf:src())
end)
