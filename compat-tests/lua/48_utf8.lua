-- 48_utf8: the utf8 library
-- Group B: standard library.
print("== 48_utf8 ==")

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


local function hex(s) return (s:gsub(".", function(c) return string.format("%02X ", c:byte()) end)) end

print("charpattern", utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")
print("char", utf8.char(72, 228, 8364, 128512), hex(utf8.char(0x7FF, 0x800, 0xFFFF, 0x10000)))
print("char empty", utf8.char() == "")
print("char max", hex(utf8.char(0x7FFFFFFF)))
E("char too large", utf8.char, 0x80000000)
E("char negative", utf8.char, -1)
E("char string", utf8.char, "x")

local s = "häll€ 😀!"
print("len", utf8.len(s), #s)
print("len range", utf8.len(s, 3), utf8.len(s, 1, 2), utf8.len(s, -5), utf8.len(""))
print("len invalid", utf8.len("abc\xFFdef"))
print("len continuation start", utf8.len(s, 3, 3))
E("len out of bounds", utf8.len, "abc", 5)
E("len out of bounds 2", utf8.len, "abc", 1, 4)
print("len i=#s+1", utf8.len("abc", 4))
print("len surrogate strict", utf8.len("\xED\xA0\x80"))
print("len surrogate lax", utf8.len("\xED\xA0\x80", 1, -1, true))
print("len overlong", utf8.len("\xC0\x80"))
print("len 5-byte strict/lax", utf8.len("\xF8\x88\x80\x80\x80"), utf8.len("\xF8\x88\x80\x80\x80", 1, -1, true))
print("len > 10FFFF strict/lax", utf8.len("\xF4\x90\x80\x80"), utf8.len("\xF4\x90\x80\x80", 1, -1, true))

print("codepoint", utf8.codepoint(s))
print("codepoint range", utf8.codepoint(s, 1, -1))
print("codepoint i", utf8.codepoint(s, 2), utf8.codepoint(s, -1))
E("codepoint continuation", utf8.codepoint, s, 3)
E("codepoint out of bounds", utf8.codepoint, "abc", 4)
print("codepoint empty range", select("#", utf8.codepoint("abc", 3, 2)))
E("codepoint invalid", utf8.codepoint, "\xFF")
E("codepoint surrogate", utf8.codepoint, "\xED\xA0\x80")
print("codepoint surrogate lax", utf8.codepoint("\xED\xA0\x80", 1, 1, true))

print("offset", utf8.offset(s, 1), utf8.offset(s, 2), utf8.offset(s, 3), utf8.offset(s, 5))
print("offset past end", utf8.offset(s, utf8.len(s) + 1), utf8.offset(s, utf8.len(s) + 2))
print("offset negative", utf8.offset(s, -1), utf8.offset(s, -2), utf8.offset(s, -100))
print("offset zero", utf8.offset(s, 0, 3), utf8.offset(s, 0, 2), utf8.offset(s, 0, #s + 1))
print("offset with i", utf8.offset(s, 2, 2), utf8.offset(s, -1, 4))
E("offset continuation", utf8.offset, s, 1, 3)
E("offset out of range", utf8.offset, s, 1, 100)

-- codes
local pcs = "" for p, c in utf8.codes(s) do pcs = pcs .. p .. ":" .. c .. " " end print(pcs)
for p, c in utf8.codes("") do print("never") end
E("codes invalid", function() for p, c in utf8.codes("ab\xFFc") do end end)
E("codes truncated", function() for p, c in utf8.codes("a\xE2\x82") do end end)
print("codes lax", (function() local n = 0 for p, c in utf8.codes("\xED\xA0\x80", true) do n = n + 1 end return n end)())

-- using charpattern
local n = 0
for ch in s:gmatch(utf8.charpattern) do n = n + 1 end
print("gmatch charpattern", n)
print("escape in source", "\u{48}\u{E4}\u{20AC}" == utf8.char(0x48, 0xE4, 0x20AC))

-- char: boundaries of each sequence length, and many arguments
for _, c in ipairs({0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, 0x110000, 0x1FFFFF, 0x200000, 0x3FFFFFF, 0x4000000, 0x7FFFFFFF}) do
  local s = utf8.char(c)
  print("char boundary", c, #s, hex(s), utf8.len(s, 1, -1, true), utf8.codepoint(s, 1, 1, true), utf8.len(s))
end
print("char many", utf8.char(97, 98, 99, 0x4E2D, 0x6587), utf8.char(65.0), utf8.char("66"))
E("char float", utf8.char, 65.5)
E("char second bad", utf8.char, 65, -1)
E("char nil", utf8.char, nil)

-- decoding rules
local cases = {"\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xC2\x80", "\xDF\xBF", "\xE0\x80\x80", "\xE0\xA0\x80",
  "\xED\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xEE\x80\x80", "\xF0\x8F\xBF\xBF", "\xF0\x90\x80\x80",
  "\xF4\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF7\xBF\xBF\xBF", "\xF8\x88\x80\x80\x80", "\xFB\xBF\xBF\xBF\xBF",
  "\xFC\x84\x80\x80\x80\x80", "\xFD\xBF\xBF\xBF\xBF\xBF", "\xFE", "\xFF", "\xE2\x82", "\xE2\x28\xA1", "a\xC3"}
for _, c in ipairs(cases) do
  print("decode", hex(c), utf8.len(c), utf8.len(c, 1, -1, true), pcall(utf8.codepoint, c, 1, 1, true))
end

-- len ranges
local t = "a\u{E4}\u{20AC}\u{1F600}z"
print("len all ranges", utf8.len(t), utf8.len(t, 2), utf8.len(t, 3), utf8.len(t, 1, 1), utf8.len(t, 1, 2), utf8.len(t, -1), utf8.len(t, -5, -1))
print("len empty ranges", utf8.len(t, 5, 4), utf8.len("", 1), utf8.len("", 1, 0), utf8.len("abc", 4, 3))
E("len j past end", utf8.len, "abc", 1, 5)
E("len i zero", utf8.len, "abc", 0)
E("len bad i", utf8.len, "abc", "x")
E("len no string", utf8.len)
print("len float args", utf8.len("abc", 1.0, 2.0))

-- codepoint ranges
print("codepoint all", utf8.codepoint(t, 1, -1))
print("codepoint negative", utf8.codepoint(t, -1), utf8.codepoint(t, -5))
print("codepoint multi start", utf8.codepoint(t, 2, 4))
E("codepoint i zero", utf8.codepoint, "abc", 0)
E("codepoint j past end", utf8.codepoint, "abc", 1, 4)
E("codepoint mid sequence end", utf8.codepoint, t, 1, 3)
print("codepoint lax range", utf8.codepoint("\xED\xA0\x80a", 1, -1, true))
E("codepoint strict range", utf8.codepoint, "a\xF4\x90\x80\x80", 1, -1)

-- offset in depth
for n = -7, 7 do
  print("offset n", n, utf8.offset(t, n), utf8.offset(t, n, 4), utf8.offset(t, n, #t + 1))
end
print("offset zero everywhere", utf8.offset(t, 0, 1), utf8.offset(t, 0, 2), utf8.offset(t, 0, 4), utf8.offset(t, 0, 5), utf8.offset(t, 0, 9), utf8.offset(t, 0, -1))
print("offset empty string", utf8.offset("", 1), utf8.offset("", 0), utf8.offset("", -1), utf8.offset("", 2))
E("offset i zero", utf8.offset, "abc", 1, 0)
E("offset i past", utf8.offset, "abc", 1, 5)
E("offset continuation negative n", utf8.offset, t, -1, 3)
E("offset bad n", utf8.offset, "abc", "x")

-- codes in depth
local function codes(s, lax)
  local out = ""
  for p, c in utf8.codes(s, lax) do out = out .. p .. ":" .. c .. " " end
  return out
end
print("codes", codes(t), codes("abc"), codes("\0\0"))
print("codes skips leading continuation", codes("\x80a"))
print("codes lax 6 bytes", codes("\xFD\xBF\xBF\xBF\xBF\xBFx", true))
E("codes strict 6 bytes", codes, "\xFD\xBF\xBF\xBF\xBF\xBF")
E("codes surrogate strict", codes, "a\xED\xA0\x80")
E("codes no string", utf8.codes)
E("codes table", utf8.codes, {})
local f, s0, c0 = utf8.codes("ab")
print("codes triple", type(f), s0, c0, f(s0, 0), f(s0, 1), f(s0, 2), f(s0, 100))
print("codes number subject", codes(123))
print("charpattern matches each char", select(2, t:gsub(utf8.charpattern, "")), t:match(utf8.charpattern, 2))
print("done 48_utf8")
