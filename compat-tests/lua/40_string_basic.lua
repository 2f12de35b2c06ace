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

-- more sub/byte/char/rep corner cases
print("sub neg range", ("hello"):sub(-3, -1), ("hello"):sub(-3, 2), ("hello"):sub(2, -2), ("hello"):sub(6), ("hello"):sub(5, 5))
print("sub huge", ("hello"):sub(-9223372036854775807 - 1, 9223372036854775807), ("hello"):sub(9223372036854775807))
print("sub number subject", string.sub(12345, 2, 3), string.sub(1.5, 1, 2))
E("sub end non-integer", string.sub, "abc", 1, 2.5)
E("sub end string", string.sub, "abc", 1, "x")
print("byte neg", ("hello"):byte(-2, -1), ("hello"):byte(-100, 1), ("hello"):byte(4, 100))
print("byte count", select("#", ("hello"):byte(1, -1)), select("#", ("hello"):byte(3, 1)), select("#", (""):byte()))
E("byte bad i", string.byte, "abc", {})
E("byte bad j", string.byte, "abc", 1, 1.5)
E("byte no string", string.byte)
print("char floats", string.char(65.0, 66), string.char("67"))
E("char non-integral", string.char, 65.5)
E("char 2nd out of range", string.char, 65, 300)
E("char table", string.char, 65, {})
print("rep one with sep", ("ab"):rep(1, "--"), ("ab"):rep(0, "--") == "", ("ab"):rep(-5, "x") == "")
print("rep sep", ("a"):rep(4, ""), ("ab"):rep(3, "\0") == "ab\0ab\0ab", #("abc"):rep(1000, ","))
print("rep float count", ("x"):rep(3.0))
E("rep non-integral count", string.rep, "x", 2.5)
E("rep too large with sep", string.rep, "x", 1 << 40, "yy")
E("rep bad sep", string.rep, "x", 2, {})
E("rep no count", string.rep, "x")
print("reverse long", ("abcdef"):rep(3):reverse(), string.reverse(12))
E("reverse no arg", string.reverse)
print("upper lower all bytes", (function()
  local s = ""
  for i = 0, 255 do s = s .. string.char(i) end
  local u, l = s:upper(), s:lower()
  local cu, cl = 0, 0
  for i = 1, 256 do
    if u:byte(i) ~= s:byte(i) then cu = cu + 1 end
    if l:byte(i) ~= s:byte(i) then cl = cl + 1 end
  end
  return cu, cl, u:sub(66, 91), l:sub(98, 123)
end)())
E("lower no arg", string.lower)
E("upper bool", string.upper, true)
print("len numbers", ("x"):len(), string.len(-0.0), string.len(1e100), string.len(-9223372036854775807 - 1))
E("len table", string.len, {})

-- dump: Halo has no serialised bytecode, so only the shared error paths are checked
E("dump builtin", string.dump, print)
E("dump no function", string.dump, 42)
E("dump nothing", string.dump)

-- the string metatable and method syntax
print("method chain", ("  Hello  "):upper():lower():rep(2, "|"):len())
print("method on number literal string", ("5"):rep(3), ("%5.1f"):format(3.14159))
print("string index non-method", ("abc").foo, ("abc")[1], ("abc").len == string.len)
print("metatable identity", getmetatable("a") == getmetatable("b"), getmetatable("").__index == string)
E("method missing", function() return ("abc"):nosuch() end)
E("method on nil field", function() local t = {} return t.s:upper() end)
print("string library fields", type(string.byte), type(string.char), type(string.dump),
  type(string.find), type(string.format), type(string.gmatch), type(string.gsub),
  type(string.len), type(string.lower), type(string.match), type(string.pack),
  type(string.packsize), type(string.rep), type(string.reverse), type(string.sub),
  type(string.unpack), type(string.upper))
local names = {}
local count = 0
for k in pairs(string) do count = count + 1 end
print("string library size", count)
-- string method via a variable holding the library
local S = string
print("library alias", S.upper("x"), S.format("%03d", 7))
-- coercion of numbers where strings are expected
print("numbers as strings", string.upper(12), string.rep(7, 2), string.byte(65), ("x"):rep("2"))
print("done 40_string_basic")
