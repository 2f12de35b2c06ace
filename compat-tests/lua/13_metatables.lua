-- 13_metatables: __index, __newindex, __call, __tostring, __name,
-- __metatable, __len, __eq, __lt, __le, __concat, __pairs
-- Group A: core language only.
print("== 13_metatables ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- setmetatable / getmetatable basics
local t = {}
local mt = {}
print("setmetatable returns t", rawequal(setmetatable(t, mt), t))
print("getmetatable", rawequal(getmetatable(t), mt), getmetatable({}), getmetatable(1))
setmetatable(t, nil)
print("removed", getmetatable(t))
run("setmetatable bad arg", "return setmetatable(1, {})")
run("setmetatable bad mt", "return setmetatable({}, 1)")
run("setmetatable no mt", "return setmetatable({})")
-- strings share a metatable with __index
print("string mt", type(getmetatable("")), type(getmetatable("").__index))

-- __metatable protection
local prot = setmetatable({}, {__metatable = "locked"})
print("protected get", getmetatable(prot))
run("protected set", "return setmetatable(..., {})", prot)
local prot2 = setmetatable({}, {__metatable = false})
print("protected false", getmetatable(prot2))

-- __index with a table, chained
local base = {a = "base-a", b = "base-b"}
local mid = setmetatable({b = "mid-b"}, {__index = base})
local top = setmetatable({}, {__index = mid})
print("chain", top.a, top.b, top.c)
-- __index function gets (table, key)
local calls = {}
local fi = setmetatable({present = 1}, {__index = function(tb, k) calls[#calls + 1] = k; return k .. "!" end})
print("index fn", fi.present, fi.missing, fi[1], #calls)
-- __index is not used by rawget
print("rawget", rawget(fi, "missing"))
-- __index on a long chain
local chain = {}
local cur = {deep = "found"}
for i = 1, 50 do cur = setmetatable({}, {__index = cur}) end
print("50-deep chain", cur.deep)
-- __index on an existing key with false value is not triggered
local fv = setmetatable({x = false}, {__index = function() return "meta" end})
print("false not missing", fv.x)

-- __newindex
local store = {}
local ni = setmetatable({}, {__newindex = function(tb, k, v) rawset(tb, k, v and v * 2) ; store[#store + 1] = k end})
ni.a = 1
ni.a = 5   -- existing key: no metamethod
print("newindex fn", ni.a, #store)
local target = {}
local nt = setmetatable({}, {__newindex = target})
nt.x = "to target"
print("newindex table", rawget(nt, "x"), target.x)
-- __newindex chain through tables with their own __newindex
local final = {}
local n2 = setmetatable({}, {__newindex = setmetatable({}, {__newindex = final})})
n2.y = 1
print("newindex chain", final.y)
-- rawset bypasses
rawset(nt, "z", 1)
print("rawset bypass", nt.z, target.z)

-- __call
local callable = setmetatable({}, {__call = function(self, a, b) return "called", a, b end})
print("call", callable(1, 2))
print("call method-style", pcall(callable, "x"))
-- __call chained: __call of __call (5.4 allows a callable __call value)
local inner = setmetatable({}, {__call = function(self, a, b, c) return "inner", type(a), type(b), c end})
local outer = setmetatable({}, {__call = inner})
print("chained call", outer("arg"))
run("call non-callable", "local t = {} t()")
run("call number field", "local t = {x = 1} t.x()")
run("call nil method", "local t = {} t:m()")
run("call nil global", "undefinedfunction()")
run("call string", "('x')()")

-- __tostring and __name
local ts = setmetatable({}, {__tostring = function() return "I am ts" end})
print("tostring", tostring(ts))
print("print uses it", ts)
local bad = setmetatable({}, {__tostring = function() return 42 end})
run("__tostring number result", "return tostring(...)", bad)
local bad2 = setmetatable({}, {__tostring = function() return {} end})
run("__tostring table result", "return tostring(...)", bad2)
local named = setmetatable({}, {__name = "MyType"})
local s = tostring(named)
-- s is "MyType: 0x...": check only the prefix without string library
print("__name prefix", s ~= nil and load("return ...")(s) ~= nil)
run("__name in error", "local x = ... return x + 1", named)

-- __len
local lens = setmetatable({1, 2, 3}, {__len = function(tb) return rawlen(tb) * 10 end})
print("__len", #lens)

-- __eq: only called for two tables (or two userdata) that are not raw-equal
local eqcalls = 0
local eqmt = {__eq = function(a, b) eqcalls = eqcalls + 1; return a.id == b.id end}
local e1 = setmetatable({id = 1}, eqmt)
local e2 = setmetatable({id = 1}, eqmt)
local e3 = setmetatable({id = 2}, eqmt)
print("__eq", e1 == e2, e1 == e3, e1 ~= e2, eqcalls)
eqcalls = 0
print("__eq same object", e1 == e1, eqcalls)
print("__eq vs non-table", e1 == 1, e1 == "x", e1 == nil, eqcalls)
local plain = {id = 1}
print("__eq with one metatable", e1 == plain, plain == e1, eqcalls)
-- result converted to boolean
local eqm2 = {__eq = function() return "yes" end}
print("__eq bool", setmetatable({}, eqm2) == setmetatable({}, eqm2))

-- __lt, __le with mixed operands
local num = {}
num.__lt = function(a, b)
  local av = type(a) == "table" and a.v or a
  local bv = type(b) == "table" and b.v or b
  return av < bv
end
num.__le = function(a, b)
  local av = type(a) == "table" and a.v or a
  local bv = type(b) == "table" and b.v or b
  return av <= bv
end
local n5 = setmetatable({v = 5}, num)
print("mixed lt", n5 < 6, 4 < n5, n5 > 6, n5 <= 5, 5 >= n5)

-- __concat
local cc = setmetatable({}, {__concat = function(a, b)
  local as = type(a) == "table" and "T" or tostring(a)
  local bs = type(b) == "table" and "T" or tostring(b)
  return as .. "+" .. bs
end})
print("concat", cc .. "x", "x" .. cc, 1 .. cc, cc .. cc)
print("concat chain", "a" .. "b" .. cc .. "c")

-- __pairs
local pp = setmetatable({}, {__pairs = function(tb)
  local i = 0
  return function() i = i + 1; if i <= 3 then return i, i * i end end, tb, nil
end})
local sum = 0
for k, v in pairs(pp) do sum = sum + v end
print("__pairs", sum)
-- next ignores __pairs
print("next raw", next(pp))

-- __index on metatable's __index being a function that errors
local errt = setmetatable({}, {__index = function(_, k) error("no field " .. k, 2) end})
run("erroring __index", "local t = ... return t.foo", errt)

-- metatables on values of other types are only settable through debug: test
-- what happens for numbers
print("number mt", getmetatable(1), getmetatable(nil), getmetatable(print))

-- __index with rawequal-based identity
local proxy_target = {v = 1}
local proxy = setmetatable({}, {
  __index = proxy_target,
  __newindex = function(_, k, v) proxy_target[k] = v end,
  __len = function() return rawlen(proxy_target) end,
})
proxy.w = 2
proxy[1] = "one"
print("proxy", proxy.v, proxy.w, #proxy, rawget(proxy, "w"))
print("done 13_metatables")
