-- 18_errors: error/pcall/xpcall, error values, levels, positions, handlers
-- Group A: core language only. Chunks with positions are loaded with fixed
-- names ("=name") so output does not depend on the script path.
print("== 18_errors ==")

local function chunk(name, src)
  return assert(load(src, "=" .. name))
end

-- pcall results
print("pcall ok", pcall(function(...) return ... end, 1, 2, 3))
print("pcall err string", pcall(error, "msg"))
print("pcall err level 0", pcall(error, "msg", 0))
print("pcall err nil", pcall(error))
print("pcall err nil explicit", pcall(error, nil))
print("pcall err number", pcall(error, 42))
print("pcall err boolean", pcall(error, false))
local etab = {code = 1}
local ok, e = pcall(error, etab)
print("pcall err table identity", ok, rawequal(e, etab))
print("pcall no function", pcall(pcall))
print("pcall non-callable", pcall(42))
print("pcall nested", pcall(pcall, error, "x"))

-- error with levels: positions come from the calling chunk
local f = chunk("lv", [[
local function lvl1() error("at level 1", 1) end
local function lvl2() error("at level 2", 2) end
local function caller() lvl2() end
local function lvl0() error("no position", 0) end
local function default() error("default level") end
local function lvl3() caller() end
return lvl1, lvl2, caller, lvl0, default
]])
local lvl1, lvl2, caller, lvl0, default = f()
print("level 1", pcall(lvl1))
print("level 2", pcall(caller))
print("level 0", pcall(lvl0))
print("default level", pcall(default))
-- level 2 when called directly from pcall (a C function): no position
print("level 2 from C", pcall(lvl2))
-- non-string error values never get positions
print("table error level 1", type(select(2, pcall(error, {}, 1))))
print("number error level 1", pcall(function() error(7, 1) end))

-- multi-line positions
local ml = chunk("multi", "local x = 1\n\nlocal y = nil\nreturn y.z\n")
print("line 4", pcall(ml))
local ml2 = chunk("m2", "local t = {}\nreturn function()\n  return t.a.b\nend")
print("nested function line", pcall(ml2()))

-- error rethrow keeps the original message
local rethrow = chunk("rt", [[
local ok, e = pcall(error, "original")
error(e, 0)
]])
print("rethrow", pcall(rethrow))
-- error with a position added twice
local twice = chunk("tw", "error(select(2, pcall(error, 'inner')))")
print("rethrow with position", pcall(twice))

-- xpcall with handler
print("xpcall ok", xpcall(function(a, b) return a + b end, print, 1, 2))
print("xpcall handler", xpcall(error, function(m) return "handled: " .. tostring(m) end, "boom", 0))
print("xpcall handler gets object", xpcall(function() error({v = 5}) end, function(m) return m.v * 2 end))
print("xpcall handler multiple returns", xpcall(error, function(m) return 1, 2, 3 end, "x"))
print("xpcall handler returns nothing", xpcall(error, function() end, "x"))
-- handler that errors: the result is an error in error handling
local ok2, e2 = xpcall(error, function(m) error("handler failed") end, "x")
print("handler error", ok2, type(e2))
-- handler runs at the point of the error (stack not unwound): it can see
-- locals through upvalues
local depth_seen
print("handler at error point", xpcall(function()
  local function deep(n) if n == 0 then error("bottom", 0) end deep(n - 1) end
  deep(10)
end, function(m) depth_seen = m; return "caught " .. m end))
print("depth_seen", depth_seen)
-- xpcall needs a handler
print("xpcall without handler", pcall(xpcall, print))
-- runtime errors go through the handler too
local rt = chunk("rth", "local a = nil; return a.b")
print("xpcall runtime", xpcall(rt, function(m) return "H:" .. m end))
-- error in __index goes through handler
print("xpcall mm", xpcall(function() local t = setmetatable({}, {__index = function() error("mm err", 0) end}) return t.x end,
  function(m) return "H:" .. m end))

-- assert
print("assert pass", assert(1, "unused"), assert("v", 2, 3))
print("assert fail default", pcall(assert, false))
print("assert fail nil", pcall(assert, nil))
print("assert fail message", pcall(assert, false, "custom"))
print("assert fail table", type(select(2, pcall(assert, false, {}))))
print("assert fail number message", pcall(assert, nil, 42))
print("assert no args", pcall(assert))
-- called from Lua code, assert's string message gets the caller's position (lbaselib's
-- assert ends in 'error' at level 1); other values stay as they are
print("assert message position", pcall(chunk("asrt", "\n assert(false, 'positioned')")))
print("assert number no position", pcall(chunk("asrt", "assert(false, 42)")))
print("assert default position", pcall(chunk("asrt", "local x = nil\nassert(x)")))

-- error objects with __tostring are not converted by pcall
local eobj = setmetatable({}, {__tostring = function() return "EOBJ" end})
local ok3, e3 = pcall(error, eobj)
print("error object tostring", ok3, tostring(e3), rawequal(e3, eobj))

-- errors in nested pcalls unwind to the nearest one
local trace = {}
print("nested", pcall(function()
  trace[#trace + 1] = "a"
  local okn, en = pcall(function() trace[#trace + 1] = "b"; error("inner", 0) end)
  trace[#trace + 1] = "c:" .. en
  error("outer", 0)
end))
print("trace", trace[1], trace[2], trace[3])

-- tostring(nil) error message vs error(nil)
local okn, en = pcall(error, nil)
print("error(nil) value", okn, en)

-- error position inside a function defined in a loaded chunk with a long name
local long = load("error('x')", "=a very long chunk name that stays as is")
print("long chunk name", pcall(long))
local str = load("error('x')", "return 1 + bad")
print("string chunk name", pcall(str))
local multiline = load("\nerror('x')", "line1\nline2")
print("multiline string chunk name", pcall(multiline))
local at = load("error('x')", "@file.lua")
print("@ chunk name", pcall(at))
print("done 18_errors")
