-- 00_lexical: escapes, long strings, comments, numeric literals
-- Group A: core language only (no string/table/math library).
print("== 00_lexical ==")

-- simple escapes
assert("\a" == "\7")
assert("\b" == "\8")
assert("\f" == "\12")
assert("\n" == "\10")
assert("\r" == "\13")
assert("\t" == "\9")
assert("\v" == "\11")
assert("\\" == "\92")
assert("\"" == "\34")
assert("\'" == "\39")
assert('\'' == "'")
assert("'" == '\39')
print("simple escapes ok")

-- backslash-newline inserts a newline
local s = "a\
b"
assert(s == "a\nb")
assert(#s == 3)
print("backslash newline", #s)

-- \z skips following whitespace including newlines
local z = "abc\z
           def\z    ghi"
assert(z == "abcdefghi")
print("\\z", z)

-- \xXX
assert("\x41\x42\x43" == "ABC")
assert("\x7a\x7A" == "zz")
assert("\x00" ~= "")
assert(#"\x00\x00" == 2)
print("hex escapes", "\x48\x65\x6c\x6c\x6f")

-- \ddd decimal, up to three digits
assert("\65\066\0671" == "ABC1")
assert("\0" == "\x00")
assert("\255" == "\xff")
assert("\1234" == "{4")
print("decimal escapes", "\72\105")

-- \u{XXX} UTF-8
assert("\u{41}" == "A")
assert("\u{7F}" == "\x7f")
assert("\u{80}" == "\xC2\x80")
assert("\u{7FF}" == "\xDF\xBF")
assert("\u{800}" == "\xE0\xA0\x80")
assert("\u{FFFF}" == "\xEF\xBF\xBF")
assert("\u{10000}" == "\xF0\x90\x80\x80")
assert("\u{10FFFF}" == "\xF4\x8F\xBF\xBF")
assert("\u{0000000041}" == "A")
-- Lua 5.4 allows up to 2^31 in \u escapes
assert("\u{7FFFFFFF}" == "\xFD\xBF\xBF\xBF\xBF\xBF")
assert(#"\u{200000}" == 5)
assert(#"\u{4000000}" == 6)
print("utf8 escapes", #"\u{10FFFF}", #"\u{7FFFFFFF}")

-- invalid escapes are syntax errors
local function synerr(src)
  local f, msg = load(src, "=lex")
  assert(f == nil)
  print("syntax error:", msg)
end
synerr('return "\\q"')
synerr('return "\\x4"')
synerr('return "\\xg0"')
synerr('return "\\256"')
synerr('return "\\u{110000000}"')
synerr('return "\\u{}"')
synerr('return "\\u41"')
synerr('return "abc')
synerr('return "abc\ndef"')
synerr('return [[abc')
synerr('return [==[abc]=]')
synerr('--[[ unfinished')
synerr('x = 3 @ 4')
synerr('x = 0x')
synerr('x = 1e')
synerr('x = 3..4')
synerr('x = 1.2.3')
synerr('x = 08z')

-- long strings
local l0 = [[
first line
second]]
assert(l0 == "first line\nsecond")
local l1 = [=[a]]b]=]
assert(l1 == "a]]b")
local l2 = [==[
]=]]]]=]]==]
assert(l2 == "]=]]]]=]")
local l3 = [===[x\ny]===]
assert(l3 == "x\\ny")
assert(#l3 == 4)
local l4 = [[]]
assert(l4 == "")
local l5 = [[

two]]
assert(l5 == "\ntwo")
print("long strings", l1, l2, l3, #l5)

-- carriage-return newline sequences in long strings are normalised to \n
local crlf = load("return [[a\r\nb\n\rc\rd]]")()
assert(crlf == "a\nb\nc\nd")
print("crlf normalised", #crlf)

-- comments
local c = 1 --[[ a long
comment ]] + 2
assert(c == 3)
local c2 = 10 --[==[ ]] still comment ]==] + 5
assert(c2 == 15)
--[=[
multi
]=] local c3 = 7
assert(c3 == 7)
-- a short comment [[ is not long
local c4 = 4
assert(c4 == 4)
---[[ this is a short comment trick
local c5 = 5
--]]
assert(c5 == 5)
print("comments", c, c2, c3, c4, c5)

-- shebang line is skipped only by loadfile / lua standalone, not by load
assert(load("#!/bin/lua\nreturn 1") == nil)

-- numeric literals
assert(3 == 3.0)
assert(0x10 == 16)
assert(0xA == 10 and 0Xa == 10)
assert(0xff == 255)
assert(1e2 == 100.0)
assert(1E2 == 100)
assert(.5 == 0.5)
assert(5. == 5.0)
assert(3e-2 == 0.03)
assert(0x.8 == 0.5)
assert(0x1p4 == 16.0)
assert(0x1P-1 == 0.5)
assert(0xA.8p0 == 10.5)
assert(0x.1p4 == 1.0)
print("literals", 0x10, 0xA.8p0, 0x1p4, 1e2, .5, 5., 3e-2)

-- integer vs float subtype, observed through tostring
print("int", 1, "float", 1.0, "exp", 1e0, "hexfloat", 0x1p0)
print("neg zero", -0.0, 0.0, -0)

-- hex integer literals wrap around modulo 2^64
assert(0xffffffffffffffff == -1)
assert(0x7fffffffffffffff == 9223372036854775807)
assert(0x8000000000000000 == -9223372036854775807 - 1)
assert(0x10000000000000000 == 0)
assert(0x1ffffffffffffffff == -1)
print("hex wrap", 0xffffffffffffffff, 0x8000000000000000, 0x10000000000000001)

-- decimal integer literals that overflow become floats
print("big dec", 9223372036854775807, 9223372036854775808, 18446744073709551616)
assert(9223372036854775807 + 0 == 9223372036854775807)
assert(tostring(9223372036854775808) == "9.2233720368548e+18")
assert(-9223372036854775808 == -9.2233720368547758e18)
print("minint via expr", -9223372036854775807 - 1)

-- identifiers and keywords
local _ = 1
local _abc9 = 2
local A_B = 3
assert(_ + _abc9 + A_B == 6)
synerr("local and = 1")
synerr("local goto = 1")
assert(load("local Goto = 1 return Goto")() == 1)
print("keywords are reserved", load("local End = 1 return End")())

-- semicolons as empty statements
;;; local semi = 1; ;
assert(semi == 1)

-- string literal concatenation with nested quotes
print('single "quoted"', "double 'quoted'")
print("done 00_lexical")
