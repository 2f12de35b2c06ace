-- core.log at a level, core.Info/Warning/Alert, the TXN log functions; the lines reach
-- stderr (tune.lua.log.stderr, on by default in haproxy 2.6) as "[level] ... : message".
core.register_action("logs", { "http-req" }, function(txn)
    core.log(core.warning, "core.log warning")
    core.Info("core.Info line")
    core.Warning("core.Warning line")
    core.Alert("core.Alert line")
    txn:log(core.err, "txn:log err")
    txn:Warning("txn:Warning line")
    txn:Alert("txn:Alert line")
end)
