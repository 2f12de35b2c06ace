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
print("done 48_utf8")
