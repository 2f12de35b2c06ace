-- 45_math: the math library
-- Group B: standard library.
print("== 45_math ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named
local function E(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (r[i]:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end


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
T("type", math.type(1), math.type(1.0), math.type("1"), math.type(nil), math.type({}))
E("type no arg", math.type)
T("tointeger", math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63), math.tointeger(7), math.tointeger({}))
T("abs", math.abs(-3), math.abs(3.5), math.abs(-0.0), math.abs(math.mininteger), math.abs(-1/0))
T("floor", math.floor(3.7), math.floor(-3.7), math.floor(5), math.floor(2^62 + 0.0), math.floor(1e100), math.floor(-0.0))
T("ceil", math.ceil(3.2), math.ceil(-3.2), math.ceil(5), math.ceil(1e100), math.ceil(-0.5))
T("floor/ceil huge", math.floor(2^63), math.ceil(-2^63), math.floor(1/0))
E("floor string", math.floor, "x")
T("floor numeric string", math.floor("3.7"))
T("max", math.max(1, 5, 3), math.max(1.5, 2), math.max(2, 1.5), math.max(-0.0, 0), math.max(3))
T("min", math.min(1, 5, 3), math.min(1.5, 2), math.min(1, 1.0), math.min(1.0, 1))
E("max no args", math.max)
E("min bad arg", math.min, 1, "x")
T("fmod", math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(7.5, 2), math.fmod(-7.5, 2))
T("fmod int edge", math.fmod(math.mininteger, -1), math.fmod(5, math.mininteger), math.fmod(3, 1/0))
E("fmod zero", math.fmod, 1, 0)
T("fmod float zero nan", math.fmod(1, 0.0) ~= math.fmod(1, 0.0))
T("modf", math.modf(3.7))
T("modf neg", math.modf(-3.7))
T("modf int", math.modf(5))
T("modf inf", math.modf(1/0))
T("modf -inf", math.modf(-1/0))
T("sqrt", math.sqrt(16), math.sqrt(2), math.sqrt(-1) ~= math.sqrt(-1))
T("exp/log", math.exp(0), math.log(1), math.log(8, 2), math.log(100, 10), math.log(27, 3), math.log(0))
T("log bases", math.log(1024, 2), math.log(1000, 10), math.log(2.718281828459045))
T("trig", math.sin(0), math.cos(0), math.tan(0), math.asin(1), math.acos(1), math.atan(1))
T("atan2", math.atan(1, 1), math.atan(1, -1), math.atan(-1, -1), math.atan(0, -1), math.atan(1, 0))
T("rad/deg", math.rad(180), math.deg(math.pi), math.deg(1))
T("ult", math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(math.maxinteger, math.mininteger))
E("ult float", math.ult, 1.5, 2)
T("int ops", 7 // 2, 7.0 // 2, 2^2, 10 / 2, 3 % -2, 3.0 % -2)
T("huge comparisons", math.huge > math.maxinteger, -math.huge < math.mininteger)
T("maxinteger+0.0", math.maxinteger + 0.0, math.maxinteger + 0.0 == 2^63)
T("tostring", tostring(math.pi), string.format("%.17g", math.pi))

-- random: check ranges and types, never print values
math.randomseed(42)
local okr = true
for i = 1, 1000 do
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
print("random single value range", math.random(3, 3), math.random(1, 1))
print("random extremes", math.type(math.random(math.mininteger, math.maxinteger)))
-- the same seed gives the same sequence within one implementation
math.randomseed(7)
local s1 = {math.random(100), math.random(100), math.random()}
math.randomseed(7)
local s2 = {math.random(100), math.random(100), math.random()}
print("seed reproducible", s1[1] == s2[1] and s1[2] == s2[2] and s1[3] == s2[3])
math.randomseed(7, 8)
print("randomseed two args ok")
E("random empty interval", math.random, 2, 1)
E("random zero", math.random, 0, -1)
E("random too many args", math.random, 1, 2, 3)
E("random float arg", math.random, 1.5)
print("randomseed returns", select("#", math.randomseed(1)))

-- arithmetic corner cases through math
T("mininteger // -1", math.mininteger // -1, math.mininteger % -1)
T("abs minint wraps", math.abs(math.mininteger) == math.mininteger)
T("float to int", math.tointeger(-0.0), math.floor(-0.5), math.ceil(-0.5))
E("abs string", math.abs, "abc")
E("sqrt nil", math.sqrt)
print("done 45_math")
