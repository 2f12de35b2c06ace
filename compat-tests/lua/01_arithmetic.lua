-- 01_arithmetic: integer/float subtypes, wraparound, floor division, modulo,
-- division by zero, exponentiation.
-- Group A: core language only.
print("== 01_arithmetic ==")

local maxi = 9223372036854775807
local mini = -9223372036854775807 - 1

-- helper: is the value a float? (without math.type)
local function isfloat(x)
  return type(x) == "number" and tostring(x) ~= tostring(x | 0) or
         (type(x) == "number" and x ~= x)
end
-- a string-free subtype detector: floats print with '.', 'e', 'inf' or 'nan'
local function subtype(x)
  if type(x) ~= "number" then return type(x) end
  local ok = pcall(function() return x | 0 end)
  if not ok then return "float" end
  -- integral floats: x | 0 succeeds; distinguish via tostring round trip
  if tostring(x) == tostring(x | 0) then return "integer" end
  return "float"
end

local function show(label, v)
  print(label, v, subtype(v))
end

-- basic operations keep integers as integers
show("1+2", 1 + 2)
show("1+2.0", 1 + 2.0)
show("7-10", 7 - 10)
show("6*7", 6 * 7)
show("6*7.0", 6 * 7.0)
show("7/2", 7 / 2)
show("8/2", 8 / 2)
show("2^2", 2 ^ 2)
show("2^-1", 2 ^ -1)
show("-2^2", -2 ^ 2)
show("2^3^2", 2 ^ 3 ^ 2)
show("(-8)^(1/3) is nan", (-8) ^ (1 / 3) ~= (-8) ^ (1 / 3))
show("unm int", -(3))
show("unm float", -(3.5))

-- integer wraparound
show("maxi+1", maxi + 1)
show("mini-1", mini - 1)
show("maxi*2", maxi * 2)
show("-mini", -mini)
assert(maxi + 1 == mini)
assert(mini - 1 == maxi)
assert(-mini == mini)
assert(mini * -1 == mini)
-- but floats don't wrap
show("maxi+1.0", maxi + 1.0)
assert(maxi + 1.0 == 2.0 ^ 63)

-- floor division
show("7//2", 7 // 2)
show("-7//2", -7 // 2)
show("7//-2", 7 // -2)
show("-7//-2", -7 // -2)
show("7.0//2", 7.0 // 2)
show("-7.5//2", -7.5 // 2)
show("7//0.0", 7 // 0.0)
show("-7//0.0", -7 // 0.0)
show("0//0.0 is nan", (0 // 0.0) ~= (0 // 0.0))
show("mini//-1", mini // -1)
show("mini//1", mini // 1)
show("maxi//-1", maxi // -1)
show("1//maxi", 1 // maxi)
show("-1//maxi", -1 // maxi)
assert(mini // -1 == mini)

-- modulo: result has sign of divisor
show("7%3", 7 % 3)
show("-7%3", -7 % 3)
show("7%-3", 7 % -3)
show("-7%-3", -7 % -3)
show("5.5%2", 5.5 % 2)
show("-5.5%2", -5.5 % 2)
show("5.5%-2", 5.5 % -2)
show("mini%-1", mini % -1)
show("maxi%-1", maxi % -1)
show("mini%maxi", mini % maxi)
show("3%-0.0 nan", (3 % -0.0) ~= (3 % -0.0))
show("5%(1/0)", 5 % (1 / 0))
show("-5%(1/0)", -5 % (1 / 0))
show("5%(-1/0)", 5 % (-1 / 0))
show("-5%(-1/0)", -5 % (-1 / 0))
assert(mini % -1 == 0)
-- a == (a // b) * b + a % b for integers
for a = -10, 10 do
  for b = -4, 4 do
    if b ~= 0 then
      assert(a == (a // b) * b + a % b)
      assert((a % b == 0) or ((a % b > 0) == (b > 0)))
    end
  end
end
print("floor identity ok")

-- integer division by zero is an error; run through load so that the
-- chunk name in the message is fixed ("=name" chunk names)
local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end
run("idiv0", "return 1 // 0")
run("idivz", "local z = 0 return 10 // z")
run("modz", "local z = 0 return 10 % z")
run("mod0", "return 1 % 0")
run("idivz2", "local a, z = ... return a // z", 5, 0)
run("modz2", "local a, z = ... return a % z", 5, 0)
-- float division by zero is not
show("1/0", 1 / 0)
show("-1/0", -1 / 0)
show("1/-0.0", 1 / -0.0)
show("0/0 nan", (0 / 0) ~= (0 / 0))
show("1//0.0", 1 // 0.0)
show("1.0%0 nan", (1.0 % 0) ~= (1.0 % 0))
show("int / int zero", 3 / 0)

-- exponentiation and division always produce floats
show("2^0", 2 ^ 0)
show("4/2", 4 / 2)
show("0^0", 0 ^ 0)
show("10^2", 10 ^ 2)
show("2^63", 2 ^ 63)
show("2^53", 2 ^ 53)
show("(-2)^3", (-2) ^ 3)

-- precedence
assert(2 + 3 * 4 == 14)
assert((2 + 3) * 4 == 20)
assert(-2 ^ 2 == -4)
assert(2 ^ -2 == 0.25)
assert(1 .. 2 == "12")
assert(not nil == true)
assert(- - 2 == 2)
assert(7 // 2 * 2 == 6)
assert(1 + 2 < 4 and 2 * 3 == 6)
assert("a" .. "b" == "ab" and 1 + 1 == 2)
show("-3%5", -3 % 5)
show("-(3%5)", -(3 % 5))
show("2*3^2", 2 * 3 ^ 2)
show("1 .. 2 .. 3", 1 .. 2 .. 3)

-- mixed int/float comparisons and equality
assert(1 == 1.0)
assert(maxi ~= 2 ^ 63)
assert(maxi < 2 ^ 63)
assert(mini == -2 ^ 63)
assert(maxi + 0.0 == 2 ^ 63)        -- conversion rounds
assert(2 ^ 53 + 1 ~= 2 ^ 53 + 1.0 or true)
assert(9007199254740993 ~= 2 ^ 53)  -- exact integer vs float comparison
assert(9007199254740993 > 2 ^ 53)
assert(9007199254740992 == 2 ^ 53)
print("exact mixed comparisons ok")

-- nan
local nan = 0 / 0
assert(nan ~= nan)
assert(not (nan < nan) and not (nan <= nan) and not (nan > 0) and not (nan < 0))
print("nan compare", nan == nan, nan < 1, 1 < nan, nan >= nan)

-- inf
local inf = 1 / 0
assert(inf > maxi and -inf < mini)
assert(inf == inf and inf + 1 == inf)
print("inf", inf, -inf, inf - inf ~= inf - inf)

-- integer overflow in constant folding behaves the same
local f = load("return 9223372036854775807 + 1")
print("folded wrap", f())
f = load("return -9223372036854775807 - 1 - 1")
print("folded wrap 2", f())

-- arithmetic errors
run("nil+1", "local a; return a + 1")
run("{}+1", "local a = {}; return a + 1")
run("true*2", "local b = true; return b * 2")
run("-{}", "local t = {}; return -t")
run("'a'+1", "return 'a' + 1")
run("fn^2", "return print ^ 2")
run("field+1", "local t = {} return t.x + 1")
run("global-1", "return undefinedglobal - 1")
run("upval*1", "local u; return (function() return u * 1 end)()")
run("str//0", "return '10' // '0'")
print("done 01_arithmetic")
