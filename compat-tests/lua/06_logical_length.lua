-- 06_logical_length: and/or/not, short-circuit, truthiness, the # operator
-- Group A: core language only.
print("== 06_logical_length ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- only nil and false are falsy
print("truthy", not nil, not false, not 0, not "", not {}, not 0.0)
print("and", 1 and 2, nil and 2, false and 2, 1 and nil, 0 and "x")
print("or", 1 or 2, nil or 2, false or nil, nil or false, false or "d")
print("mix", nil and 1 or 2, 1 and false or 3, 1 and 2 or 3, (nil or false) and 1)
print("not not", not not nil, not not 0)

-- short-circuit evaluation
local calls = 0
local function f(v) calls = calls + 1; return v end
local r = f(false) and f(1)
print("and short", r, calls)
calls = 0
r = f(1) or f(2)
print("or short", r, calls)
calls = 0
r = f(nil) or f(false) or f(3) or f(4)
print("or chain", r, calls)
calls = 0
r = f(1) and f(2) and f(nil) and f(4)
print("and chain", r, calls)
-- errors are avoided by short-circuit
local t = nil
print("guard", t and t.x, t == nil or t.x)

-- and/or truncate multiple results to one
local function mr() return 1, 2, 3 end
print("truncate", mr() and mr())
print("truncate2", nil or mr())
print("count", select("#", mr() or 0), select("#", false or mr()))

-- comparison results in conditions
local n = 0
if 0 then n = n + 1 end
if "" then n = n + 1 end
if nil then n = n + 100 end
if false then n = n + 100 end
while false do n = 1000 end
print("if", n)

-- length of strings
print("#str", #"", #"abc", #"\0\0\0", #"\u{10FFFF}", #[[
x]])
local s = "hello"
print("#local", #s, #(s .. s))

-- length of tables with a sequence
print("#seq", #{}, #{1, 2, 3}, #{nil}, #{n = 1}, #{1, 2, 3, nil})
local seq = {}
for i = 1, 100 do seq[i] = i end
print("#100", #seq)
seq[#seq + 1] = "x"
print("#101", #seq)
seq[#seq] = nil
print("#after remove", #seq)
-- a table with a single border: length is that border
local b = {10, 20, 30, nil, nil}
print("#border", #b)
local h = {}
h[1] = 1; h[2] = 2; h[3] = 3
print("#hash seq", #h)
-- with holes any border is valid; check it is a border
local holes = {1, 2, nil, 4}
local L = #holes
assert(L == 0 or (holes[L] ~= nil and holes[L + 1] == nil))
print("#holes is a border", L == 0 or (holes[L] ~= nil and holes[L + 1] == nil))
-- float keys are normalised
local fk = {}
fk[1.0] = "a"; fk[2] = "b"
print("#float keys", #fk)

-- errors
run("#nil", "local x return #x")
run("#number", "local n = 5 return #n")
run("#field", "local t = {} return #t.x")
run("#global", "return #undefinedglobal")
run("#bool", "return #true")
-- __len
local lt = setmetatable({}, {__len = function() return 42 end})
print("__len", #lt, rawlen(lt))
local ls = setmetatable({}, {__len = function() return "str" end})
print("__len any value", #ls)
print("rawlen", rawlen({1, 2}), rawlen("abcd"))
run("rawlen number", "return rawlen(5)")
print("done 06_logical_length")
