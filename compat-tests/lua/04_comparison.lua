-- 04_comparison: relational operators, mixed int/float, strings, errors
-- Group A: core language only.
print("== 04_comparison ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

local maxi = 9223372036854775807
local mini = -9223372036854775807 - 1

print("1<2", 1 < 2, "2<1", 2 < 1, "1<=1", 1 <= 1, "1>=2", 1 >= 2, "1>0", 1 > 0)
print("1==1.0", 1 == 1.0, "1<1.5", 1 < 1.5, "2>1.5", 2 > 1.5, "-0.0==0", -0.0 == 0)
print("maxi<2^63", maxi < 2^63, "maxi<=2^63", maxi <= 2^63, "maxi==2^63", maxi == 2^63)
print("mini==-2^63", mini == -2^63, "mini<-2^63", mini < -2^63, "mini<=-2^63", mini <= -2^63)
print("maxi>maxi+0.0", maxi > maxi + 0.0, "maxi<maxi+0.0", maxi < maxi + 0.0)
print("2^53+1 vs float", 9007199254740993 < 9007199254740994.0, 9007199254740993 > 2^53)
print("int vs inf", maxi < 1/0, mini > -1/0, 0 < 1/0)
local nan = 0/0
print("nan", 1 < nan, nan < 1, 1 <= nan, nan <= 1, nan == nan, nan ~= nan, maxi < nan)

-- strings compare bytewise (C locale)
print("'a'<'b'", "a" < "b", "'a'<'B'", "a" < "B", "'Z'<'a'", "Z" < "a")
print("''<'a'", "" < "a", "'a'<'aa'", "a" < "aa", "'ab'<'b'", "ab" < "b")
print("'10'<'9'", "10" < "9", "'abc'<='abc'", "abc" <= "abc", "'abd'>'abc'", "abd" > "abc")
print("embedded zero", "a\0b" < "a\0c", "a\0" > "a", "\0" < "\1", "a\0b" == "a\0b")
print("high bytes", "\127" < "\128", "\255" > "\1", "\200a" < "\200b")

-- equality across types never errors, and is false
print("eq mixed", 1 == "1", "x" == nil, {} == {}, print == print, true == 1, nil == false)
local t = {}
print("same table", t == t, t ~= t, rawequal(t, t), rawequal(t, {}))

-- ordering across types errors
run("1<'2'", "return 1 < '2'")
run("'2'>1", "return '2' > 1")
run("1<nil", "local x return 1 < x")
run("nil<=1", "local x return x <= 1")
run("{}<{}", "return {} < {}")
run("t<1", "local t = {} return t < 1")
run("true<false", "return true < false")
run("f<=f", "return print <= print")
run("field>1", "local t = {} return t.a > 1")
run("num<glob", "return 1 < undefinedvar")

-- comparisons return booleans
print("types", type(1 < 2), type("a" == "a"))

-- a > b is b < a; a >= b is b <= a
local order = {}
local mt = {
  __lt = function(a, b) order[#order + 1] = "lt(" .. a.v .. "," .. b.v .. ")"; return a.v < b.v end,
  __le = function(a, b) order[#order + 1] = "le(" .. a.v .. "," .. b.v .. ")"; return a.v <= b.v end,
}
local A = setmetatable({v = 1}, mt)
local B = setmetatable({v = 2}, mt)
print("A<B", A < B, "A>B", A > B, "A<=B", A <= B, "A>=B", A >= B)
for i = 1, #order do print("order", i, order[i]) end
-- __lt result is converted to boolean
local mt2 = {__lt = function() return 42 end, __le = function() return nil end}
local C = setmetatable({}, mt2)
print("lt truthy", C < C, "le falsy", C <= C, "not lt", not (C < C))
print("done 04_comparison")
