-- 40_string_basic: string library non-pattern functions and string methods
-- Group B: standard library.
print("== 40_string_basic ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named. (Only
-- the string library and base functions are used, so this script checks the
-- string library alone.)
local function fix(...)
  if select("#", ...) == 0 then return end
  local v = ...
  if type(v) == "string" then v = (v:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  return v, fix(select(2, ...))
end
local function E(label, f, ...) print(label, fix(pcall(f, ...))) end

-- len, sub
print("len", string.len(""), string.len("abc"), ("\0\0"):len(), #"hello")
local s = "hello world"
print("sub", s:sub(1, 5), s:sub(7), s:sub(-5), s:sub(-5, -2), s:sub(0), s:sub(3, 2))
print("sub clamps", s:sub(-100, 3), s:sub(5, 100), s:sub(100), s:sub(0, 0), s:sub(-1, -1))
print("sub mininteger", s:sub(-9223372036854775807 - 1, 2), s:sub(2, 9223372036854775807))
print("sub float args", s:sub(2.0, 3.0))
E("sub non-integral", string.sub, s, 1.5)
E("sub string arg", string.sub, s, "2", "3")
E("sub bad arg", string.sub, s, "x")
E("sub no string", string.sub)

-- upper, lower, rep, reverse
print("upper", ("Hello, World! 123"):upper(), ("\xe9"):upper() == "\xe9")
print("lower", ("Hello, World! ABC"):lower())
print("rep", ("ab"):rep(3), ("ab"):rep(3, ","), ("x"):rep(0), ("x"):rep(-1), ("x"):rep(1, ","))
print("rep empty sep", ("ab"):rep(2, ""), (""):rep(5), #(""):rep(1000000))
E("rep too large", string.rep, "x", 1 << 62)
E("rep bad count", string.rep, "x", "y")
print("reverse", ("abc"):reverse(), (""):reverse(), ("a\0b"):reverse() == "b\0a")

-- byte, char
print("byte", ("ABC"):byte(), ("ABC"):byte(2), ("ABC"):byte(1, 3), ("ABC"):byte(-1))
print("byte range", ("ABC"):byte(10), select("#", ("ABC"):byte(3, 2)), ("ABC"):byte(0))
print("byte high", ("\255\128\0"):byte(1, -1))
print("char", string.char(72, 105), string.char(), #string.char(0, 0), string.char(255):byte())
E("char out of range", string.char, 256)
E("char negative", string.char, -1)
E("char non-number", string.char, "x")
print("char from string numbers", string.char("65", 66.0))

-- methods via the string metatable
local mt = getmetatable("")
print("string metatable", type(mt), mt.__index == string)
print("method on literal", ("x"):rep(2), ("%d"):format(5))
-- arithmetic metamethods of strings
print("string arith", "10" + 5, "3" * "4", "2" ^ 2, -"3", "7" // 2, "7" % 4, "1.5" + 1)
print("string arith subtypes", tostring("10" + 5), tostring("10" + 5.0), tostring("1e1" + 0))
E("string arith error", function() return "abc" + 1 end)
E("string arith error 2", function() return {} + "1" end)

-- tostring / string conversions of numbers in library calls
print("len of number", string.len(12345), string.upper(1.5))
E("len of nil", string.len, nil)
E("upper of table", string.upper, {})

-- comparison and concatenation
print("compare", "a" < "b", "abc" < "abd", "" < "\0", "Z" < "a")
local joined = ""
for i = 1, 10 do joined = joined .. (i > 1 and "-" or "") .. i end
print("concat", joined)

-- long strings and embedded zeros
local z = "a\0b\0c"
print("zeros", #z, z:byte(2), z:sub(3, 3), z:upper() == "A\0B\0C")
local big = ("x"):rep(100000)
print("big", #big, big:sub(-3), #(big .. big))

-- string.len vs # on strings with multibyte chars
print("multibyte", #"héllo", ("héllo"):len(), utf8.len("héllo"))

-- tostring of various numbers through string functions
print("rep number", string.rep(1, 3), string.rep(1.5, 2, "|"))
print("done 40_string_basic")
