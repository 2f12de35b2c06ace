-- 08_tables: constructors, keys (int/float normalisation, nan/nil keys),
-- raw access, next/pairs/ipairs (order-independent checks only)
-- Group A: core language only.
print("== 08_tables ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- constructors
local function three() return "x", "y", "z" end
local t = {1, 2, 3; "four", [10] = "ten", name = "n", three()}
print("ctor", t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[10], t.name)
-- the order of assignment in a constructor is unspecified: only check the type
local t3 = {"positional", [1] = "explicit"}
print("ctor override order is unspecified; value is a string", type(t3[1]))
-- trailing separator
local t4 = {1, 2, 3,}
local t5 = {a = 1; b = 2;}
print("trailing sep", #t4, t5.a, t5.b)
-- nested
local nest = {{1, {2, {3}}}, k = {v = "deep"}}
print("nested", nest[1][2][2][1], nest.k.v)
-- expression keys
local key = "dyn"
local t6 = {[key .. "amic"] = 1, ["with space"] = 2, [true] = 3, [1.5] = 4}
print("expr keys", t6.dynamic, t6["with space"], t6[true], t6[1.5])

-- float keys with integral values are normalised to integers
local f = {}
f[1.0] = "one"
f[2] = "two"
print("float norm", f[1], f[2.0], rawget(f, 1), rawget(f, 1.0))
local cnt = 0
for k, v in pairs(f) do cnt = cnt + 1; assert(k == 1 or k == 2) end
print("count", cnt)
f[2^53] = "big"
print("2^53 key", f[9007199254740992])
f[-0.0] = "zero"
print("-0.0 key", f[0])
local kt = {[3.0] = "a"}
for k in pairs(kt) do print("key printed as", k) end
-- string keys are distinct from numbers
f["1"] = "str"
print("string key", f[1], f["1"])

-- nil and nan keys
run("nil key", "local t = {} t[nil] = 1")
run("nan key", "local t = {} t[0/0] = 1")
run("nil key ctor", "local k return {[k] = 1}")
run("nan key ctor", "return {[0/0] = 1}")
run("rawset nil", "rawset({}, nil, 1)")
run("rawset nan", "rawset({}, 0/0, 1)")
-- reading nil and nan keys is fine
local r = {}
print("read nil/nan", r[nil], r[0/0])
-- assigning nil to absent key is fine
r.x = nil
print("assign nil", r.x)

-- rawget/rawset/rawequal/rawlen
local raw = setmetatable({}, {__index = function() return "meta" end,
  __newindex = function() error("no") end})
print("rawget", raw.a, rawget(raw, "a"))
rawset(raw, "a", 1)
print("rawset", raw.a, rawget(raw, "a"))
print("rawset returns table", rawequal(rawset(raw, "b", 2), raw))
print("rawequal", rawequal(1, 1.0), rawequal("a", "a"), rawequal({}, {}), rawequal(nil, nil))
run("rawget non-table", "return rawget('s', 1)")
run("rawset non-table", "return rawset(1, 1, 1)")
run("rawequal one arg", "return rawequal(1)")

-- next
local e = {}
print("next empty", next(e))
local single = {k = "v"}
print("next single", next(single))
print("next after last", next(single, "k"))
run("next bad key", "return next({}, 'nokey')")
print("next nil table", pcall(next))

-- pairs: sum of keys and values (order-independent)
local mix = {10, 20, 30, a = 1, b = 2, [100] = 3, [2.5] = 4}
local ksum, vsum, n = 0, 0, 0
for k, v in pairs(mix) do
  n = n + 1
  if type(k) == "number" then ksum = ksum + k end
  vsum = vsum + v
end
print("pairs", n, ksum, vsum)
-- ipairs stops at the first nil
local ip = {1, 2, nil, 4}
local last = 0
for i2, v in ipairs(ip) do last = i2 end
print("ipairs stops", last)
-- ipairs respects __index (5.4)
local proxy = setmetatable({}, {__index = function(_, i2) if i2 <= 3 then return i2 * 10 end end})
local got = {}
for i2, v in ipairs(proxy) do got[#got + 1] = v end
print("ipairs __index", #got, got[1], got[3])
-- clearing fields during traversal is allowed
local clr = {}
for i2 = 1, 50 do clr["k" .. i2] = i2 end
for k in pairs(clr) do clr[k] = nil end
print("cleared", next(clr))
-- pairs with non-table
run("pairs nil", "for k in pairs(nil) do end")
run("ipairs nil", "for k in ipairs() do end")

-- large tables
local big = {}
for i2 = 1, 10000 do big[i2] = i2 end
print("#big", #big)
local s = 0
for i2 = 1, #big do s = s + big[i2] end
print("sum", s)
for i2 = 1, 10000, 2 do big[i2] = nil end
local c2 = 0
for _ in pairs(big) do c2 = c2 + 1 end
print("after delete", c2)

-- tables as keys
local k1, k2 = {}, {}
local tk = {[k1] = "a", [k2] = "b"}
print("table keys", tk[k1], tk[k2], tk[{}])
-- functions and booleans as keys
local fk = {[print] = "print", [false] = "f"}
print("other keys", fk[print], fk[false], fk[true])
-- indexing non-tables
run("index nil local", "local x; return x.y")
run("index nil global", "return undefinedg.y")
run("index nil field", "local t = {} return t.a.b")
run("index nil upvalue", "local u; return (function() return u.y end)()")
run("index number", "local n = 1 return n.x")
run("index bool key", "local t = {} return t.a[1]")
run("newindex nil", "local x; x.y = 1")
run("newindex nil field", "local t = {} t.a.b = 1")
run("string index ok", "return ('abc').len ~= nil")
run("index method nil", "local t = {} return t.m.n")
print("done 08_tables")
