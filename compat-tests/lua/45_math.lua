-- 45_math: the math library
-- Group B: standard library. Uses only the base, table and math libraries.
print("== 45_math ==")

-- print pcall results (library functions called directly by pcall: their
-- messages carry no position)
local function E(label, f, ...)
  print(label, pcall(f, ...))
end

-- values with their subtype, so 1 and 1.0 are told apart
local function T(label, ...)
  local r = table.pack(...)
  local out = {}
  for i = 1, r.n do
    local v = r[i]
    out[#out + 1] = tostring(v) .. (type(v) == "number" and ("(" .. math.type(v) .. ")") or "")
  end
  print(label, table.concat(out, " "))
end

T("constants", math.pi, math.huge, -math.huge, math.maxinteger, math.mininteger)
T("type", math.type(1), math.type(1.0), math.type("1"), math.type(nil), math.type({}), math.type(2^63))
E("type no arg", math.type)

-- tointeger
T("tointeger", math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63), math.tointeger(7), math.tointeger({}))
T("tointeger more", math.tointeger(2^53), math.tointeger(-0.0), math.tointeger("0x10"), math.tointeger(" 5 "), math.tointeger("5.5"), math.tointeger(true))
T("tointeger limits", math.tointeger(-2^63), math.tointeger(math.huge), math.tointeger("9223372036854775807"))
E("tointeger no arg", math.tointeger)

-- abs
T("abs", math.abs(-3), math.abs(3.5), math.abs(-0.0), math.abs(math.mininteger), math.abs(-1/0))
T("abs more", math.abs(-2^63), math.abs("-1.5"), math.abs("-3"), math.abs(0), math.abs(-7.25))
E("abs string", math.abs, "abc")
E("abs no arg", math.abs)

-- floor / ceil
T("floor", math.floor(3.7), math.floor(-3.7), math.floor(5), math.floor(2^62 + 0.0), math.floor(1e100), math.floor(-0.0))
T("ceil", math.ceil(3.2), math.ceil(-3.2), math.ceil(5), math.ceil(1e100), math.ceil(-0.5), math.ceil(0.5))
T("floor/ceil huge", math.floor(2^63), math.ceil(-2^63), math.floor(1/0), math.ceil(-1/0), math.floor(-2^63))
T("floor/ceil edges", math.ceil(2^63), math.ceil(-2^63 - 2048), math.floor(-2^63 - 2048), math.floor(-0.5), math.floor(2^53 + 1))
T("floor numeric string", math.floor("3.7"), math.floor("3"), math.floor(" 0x10 "), math.ceil("-2.5"))
E("floor string", math.floor, "x")
E("ceil table", math.ceil, {})
E("floor no arg", math.floor)

-- min / max (any comparable values, through __lt)
T("max", math.max(1, 5, 3), math.max(1.5, 2), math.max(2, 1.5), math.max(-0.0, 0), math.max(3))
T("min", math.min(1, 5, 3), math.min(1.5, 2), math.min(1, 1.0), math.min(1.0, 1))
T("min/max ties", math.max(1, 1.0), math.max(1.0, 1), math.min(0.0, -0.0), math.max(-0.0, 0.0))
T("min/max extremes", math.max(math.mininteger, -math.huge), math.min(math.maxinteger, math.huge), math.max(2^53, 2^53 + 1))
print("max strings", math.max("10", "9"), math.min("b", "a", "c"))
local lt = {__lt = function(a, b) return a.v < b.v end}
local oa, ob, oc = setmetatable({v = 1}, lt), setmetatable({v = 3}, lt), setmetatable({v = 2}, lt)
print("max __lt", math.max(oa, ob, oc).v, math.min(oa, ob, oc).v)
print("max one value of any type", math.max(true), math.min("x"))
E("max no args", math.max)
E("min no args", math.min)
E("min bad arg", math.min, 1, "x")
E("max tables", math.max, {}, {})
E("max nil", math.max, 1, nil)

-- fmod
T("fmod", math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(7.5, 2), math.fmod(-7.5, 2))
T("fmod int edge", math.fmod(math.mininteger, -1), math.fmod(5, math.mininteger), math.fmod(3, 1/0))
T("fmod more", math.fmod(-6, 3), math.fmod(6, -3), math.fmod(5.5, math.huge), math.fmod(math.mininteger, math.maxinteger), math.fmod(3, 2.0))
T("fmod strings are floats", math.fmod("7", 3), math.fmod(7, "3"), math.fmod(-6.0, 3))
T("fmod -1", math.fmod(7, -1), math.fmod(-7, -1), math.fmod(math.maxinteger, -1))
E("fmod zero", math.fmod, 1, 0)
E("fmod zero negative", math.fmod, -5, 0)
T("fmod float zero nan", math.fmod(1, 0.0) ~= math.fmod(1, 0.0), math.fmod(1.0, 0) ~= math.fmod(1.0, 0))
E("fmod one arg", math.fmod, 1)
E("fmod nil", math.fmod, nil, 1)

-- modf
T("modf", math.modf(3.7))
T("modf neg", math.modf(-3.7))
T("modf int", math.modf(5))
T("modf inf", math.modf(1/0))
T("modf -inf", math.modf(-1/0))
T("modf big", math.modf(2^53))
T("modf huge", math.modf(1e308))
T("modf string", math.modf("3.25"))
T("modf -0.0", math.modf(-0.0))
T("modf -2.5", math.modf(-2.5))
E("modf bad", math.modf, {})

-- sqrt, exp, log
T("sqrt", math.sqrt(16), math.sqrt(2), math.sqrt(-1) ~= math.sqrt(-1), math.sqrt("4"), math.sqrt(0), math.sqrt(1/0))
T("exp/log", math.exp(0), math.log(1), math.log(8, 2), math.log(100, 10), math.log(27, 3), math.log(0))
T("log bases", math.log(1024, 2), math.log(1000, 10), math.log(2.718281828459045), math.log(2^60, 2), math.log(8, 4))
T("log edges", math.log(0, 2), math.log(0, 10), math.log(1/0), math.log(-1, 10) ~= math.log(-1, 10), math.log(1, 1) ~= math.log(1, 1))
T("exp edges", math.exp(1), math.exp(-math.huge), math.exp(710), math.exp(-1000))
E("log bad", math.log, "x")
E("log bad base", math.log, 1, {})
E("exp no arg", math.exp)

-- trigonometry
T("trig", math.sin(0), math.cos(0), math.tan(0), math.asin(1), math.acos(1), math.atan(1))
T("trig more", math.sin(1), math.cos(1), math.tan(1), math.asin(0.5), math.acos(0.5), math.atan(0.5))
T("atan2", math.atan(1, 1), math.atan(1, -1), math.atan(-1, -1), math.atan(0, -1), math.atan(1, 0))
T("atan signed zeros", math.atan(-0.0), math.atan(0.0, -1), math.atan(-0.0, -1), math.atan(0, 0))
T("asin/acos out of range", math.asin(2) ~= math.asin(2), math.acos(-2) ~= math.acos(-2))
T("rad/deg", math.rad(180), math.deg(math.pi), math.deg(1), math.rad(1), math.deg(math.huge))
-- (through a chunk: lua5.4 built with 5.3 compatibility also has math.atan2,
-- which pcall's name lookup may find instead of math.atan)
print("atan no arg", pcall(load("return math.atan()", "=atan_chunk")))
print("atan bad x", pcall(load("return math.atan(1, 'x')", "=atan_chunk")))
E("sin string", math.sin, "a")

-- ult
T("ult", math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(math.maxinteger, math.mininteger))
T("ult equal", math.ult(5, 5), math.ult(0, -1), math.ult(3.0, 4))
E("ult float", math.ult, 1.5, 2)
E("ult one arg", math.ult, 1)
E("ult string", math.ult, "a", 1)

-- numbers at the edges, through the library
T("int ops", 7 // 2, 7.0 // 2, 2^2, 10 / 2, 3 % -2, 3.0 % -2)
T("huge comparisons", math.huge > math.maxinteger, -math.huge < math.mininteger)
T("maxinteger+0.0", math.maxinteger + 0.0, math.maxinteger + 0.0 == 2^63)
T("tostring", tostring(math.pi), tostring(-math.pi), tostring(1e15), tostring(2^63))
T("mininteger // -1", math.mininteger // -1, math.mininteger % -1)
T("abs minint wraps", math.abs(math.mininteger) == math.mininteger)
T("float to int", math.tointeger(-0.0), math.floor(-0.5), math.ceil(-0.5))
E("sqrt nil", math.sqrt)

-- random: xoshiro256** seeded like lua5.4, so a fixed seed gives its sequence
math.randomseed(42)
local okr = true
for _ = 1, 1000 do
  local f = math.random()
  if not (f >= 0 and f < 1 and math.type(f) == "float") then okr = false end
  local a = math.random(10)
  if not (a >= 1 and a <= 10 and math.type(a) == "integer") then okr = false end
  local b = math.random(-5, 5)
  if not (b >= -5 and b <= 5) then okr = false end
  local c = math.random(0)
  if math.type(c) ~= "integer" then okr = false end
end
print("random ranges", okr)
print("random single value range", math.random(3, 3), math.random(1, 1), math.random(math.maxinteger, math.maxinteger))
print("random extremes", math.type(math.random(math.mininteger, math.maxinteger)))
math.randomseed(7)
local s1 = {math.random(100), math.random(100), math.random()}
math.randomseed(7)
local s2 = {math.random(100), math.random(100), math.random()}
print("seed reproducible", s1[1] == s2[1] and s1[2] == s2[2] and s1[3] == s2[3])
math.randomseed(123)
local seq = {}
for i = 1, 8 do seq[i] = math.random(1000) end
print("sequence of seed 123", table.concat(seq, " "))
math.randomseed(123, 456)
print("seed 123, 456", math.random(0), math.random(), math.random(5, 7), math.random(-10, -5))
math.randomseed(-1)
print("seed -1", math.random(math.mininteger, math.maxinteger), math.random(0, math.maxinteger), math.random(math.mininteger, 0))
math.randomseed(0)
print("seed 0", math.random(0), math.random(1, 6), math.random())
math.randomseed(7.0)
print("float seed", math.random(3))
math.randomseed("12")
print("string seed", math.random(100))
local dist = {0, 0, 0}
math.randomseed(99)
for _ = 1, 3000 do local k = math.random(3); dist[k] = dist[k] + 1 end
print("distribution", table.concat(dist, " "))
print("randomseed returns", math.randomseed(5, 6))
print("randomseed count", select("#", math.randomseed(1)), select("#", math.randomseed()))
print("randomseed types", math.type((math.randomseed())), math.type(select(2, math.randomseed())))
E("random empty interval", math.random, 2, 1)
E("random zero", math.random, 0, -1)
E("random negative upper", math.random, -5)
E("random too many args", math.random, 1, 2, 3)
E("random float arg", math.random, 1.5)
E("random string", math.random, "x")
E("random bad second", math.random, 1, "y")
E("randomseed string", math.randomseed, "z")
E("randomseed float", math.randomseed, 1.5)
E("randomseed bad second", math.randomseed, 1, 1.5)
print("done 45_math")
