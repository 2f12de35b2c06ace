-- 22_debug: the debug library subset Halo offers: traceback, getinfo, getlocal/setlocal,
-- upvalues, metatables, registry, user values. Group A (core + debug).
print("== 22_debug ==")
print(debug.traceback("hi"))
print(pcall(debug.traceback))
local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co)
print(debug.traceback(co)) print(debug.traceback(co, "m", 1))
print(debug.traceback({}) ~= nil, type(debug.traceback({})), debug.traceback(nil) ~= nil, debug.traceback(12))
print(debug.getinfo(1).currentline, debug.getinfo(print).what, debug.getinfo(1,"n").name)
local function ff(a,b,...) local c = 3 print(debug.getlocal(1,1)) print(debug.getlocal(1,3)) print(debug.getlocal(1,-1)) print(debug.getlocal(1,-2)) print(debug.setlocal(1, 3, 33), c) end ff(1,2,9)
print(debug.getlocal(ff, 2), debug.getlocal(ff, 3))
local function g() local i = debug.getinfo(1, "nSl") return i.name, i.namewhat, i.what, i.short_src, i.linedefined, i.lastlinedefined, i.currentline, i.source end
print(g())
local t = {m = function() return debug.getinfo(1, "n") end}
local i = t.m() print(i.name, i.namewhat)
i = t:m() print(i.name, i.namewhat)
print(type(debug.getinfo(2)), debug.getinfo(3), debug.getinfo(100))
local main = debug.getinfo(1, "S") print(main.what, main.linedefined)
local cinfo = debug.getinfo(1 == 1 and print, "Slu") print(cinfo.what, cinfo.source, cinfo.short_src, cinfo.currentline, cinfo.nups, cinfo.nparams, cinfo.isvararg)
print(pcall(debug.getinfo, 1, ">S"))
print(pcall(debug.getinfo, 1, "X"))
print(pcall(debug.getinfo, "x"))
local up1, up2 = 10, 20
local function h() return up1 + up2 end
print(debug.getupvalue(h, 1), debug.getupvalue(h, 2), debug.getupvalue(h, 3))
print(debug.setupvalue(h, 2, 5), h(), up2)
local function h2() return up1 end
print(debug.upvalueid(h, 1) == debug.upvalueid(h2, 1), debug.upvalueid(h, 1) == debug.upvalueid(h, 2), type(debug.upvalueid(h,1)))
local tt = setmetatable({}, {__metatable = "locked"})
print(getmetatable(tt), type(debug.getmetatable(tt)))
debug.setmetatable(10, {__index = function(n, k) return k .. n end})
print((5).foo)
debug.setmetatable(10, nil)
print(type(debug.getregistry()))
print(debug.getuservalue(1), debug.gethook())
local p = debug.getinfo(1, "L") print(type(p.activelines))
print(xpcall(function() error("x") end, debug.traceback))
local function lvl() return debug.getinfo(2, "l").currentline end
print(lvl())
print(select('#', debug.getlocal(1, 200)))
print(pcall(debug.getlocal, 50, 1))
