-- 43_string_pack: string.pack, string.unpack, string.packsize
-- Group B: standard library.
print("== 43_string_pack ==")

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


local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end
local function P(fmt, ...)
  local s = string.pack(fmt, ...)
  print("pack", fmt, hex(s), #s, (fmt:find("[sz]") and "-" or string.packsize(fmt)), string.unpack(fmt, s))
end

-- integer formats with explicit endianness
P("<i1", -1)
P("<b", 127)
P("<B", 255)
P("<h", -2)
P(">h", 0x1234)
P("<H", 0xFFFF)
P("<i2", 1000)
P(">i3", -100)
P("<I3", 0xABCDEF)
P("<i4", -123456)
P(">I4", 0xDEADBEEF)
P("<l", -1)
P("<L", 42)
P("<j", -9223372036854775807 - 1)
P(">J", -1)
P("<T", 99)
P("<i8", 0x0102030405060708)
P(">i16", -2)
P("<I16", 12345)
P("<i7", -70000)
P("=i4", 5)   -- native endian: value round-trips

-- floats
P("<f", 1.5)
P(">d", -0.1)
P("<n", 3.25)
P("<d", 1 / 0)
P(">f", 0.1)

-- strings
P("<s1", "hello")
P(">s2", "hi")
P("<s4", "")
P("<s", "native size_t")
P("z", "zero-terminated")
P("c5", "abc")
P("c3", "abc")
P("c0", "")
P("<i2 z i2", 1, "mid", 2)

-- alignment and padding
P("<!4 b i4", 1, 2)
P("<!8 b d", 1, 2.5)
P("<! b j", 1, 2)
P("<b x b", 1, 2)
P("<b Xi4 i4", 1, 2)
P("<!4 b Xh h", 1, 2)
P("<!2 i1 i8", 1, 2)
P(" < i2 > i2 ", 1, 1)

-- packsize
print("packsize", string.packsize("i4"), string.packsize("<!8 b d"), string.packsize("c10"), string.packsize(""))
print("packsize j n T", string.packsize("j"), string.packsize("n"), string.packsize("d"), string.packsize("f"))
E("packsize variable s", string.packsize, "s")
E("packsize variable z", string.packsize, "z")

-- unpack with position, returns next position
local data = string.pack("<i2 i2 i2", 10, 20, 30)
print("unpack pos", string.unpack("<i2", data, 3))
print("unpack neg pos", string.unpack("<i2", data, -2))
print("unpack all", string.unpack("<i2 i2 i2", data))
E("unpack past end", string.unpack, "<i2", data, 7)
E("unpack data too short", string.unpack, "<i4", "abc")
E("unpack pos out of range", string.unpack, "<i2", data, 100)
E("unpack z unfinished", string.unpack, "z", "abc")
E("unpack s too short", string.unpack, "<s1", "\5ab")

-- overflow and range errors
E("pack i1 overflow", string.pack, "i1", 128)
E("pack i1 underflow", string.pack, "i1", -129)
E("pack B overflow", string.pack, "B", 256)
E("pack I2 negative ok?", string.pack, "<I2", -1)
E("pack float as int", string.pack, "i4", 1.5)
print("pack string as int", hex(string.pack("<i4", "12")))
E("pack bad string", string.pack, "i4", "x")
E("pack s1 too long", string.pack, "s1", ("x"):rep(256))
E("pack z with zero", string.pack, "z", "a\0b")
E("pack c too long", string.pack, "c2", "abc")
E("invalid size", string.pack, "i17", 1)
E("invalid size 0", string.pack, "i0", 1)
E("invalid format", string.pack, "y", 1)
E("missing value", string.pack, "i4")
E("alignment not power of 2", string.pack, "!3 i4", 1)
E("X invalid", string.pack, "X", 1)
E("Xz invalid", string.pack, "Xz", 1)
E("c without size", string.pack, "c", "a")
-- unpack of big integers that don't fit
E("unpack i9 overflow", string.unpack, "<i9", "\0\0\0\0\0\0\0\0\1")
print("unpack i9 ok", string.unpack("<i9", "\255\255\255\255\255\255\255\255\255"))
print("unpack I9 ok", string.unpack("<I9", "\1\0\0\0\0\0\0\0\0"))
-- sign extension
print("sign ext", string.unpack("<i3", "\255\255\255"), string.unpack("<I3", "\255\255\255"))

-- more formats: every integer size, both endiannesses, limits
for n = 1, 16 do
  local lim = n < 8 and (1 << (n * 8 - 1)) - 1 or 9223372036854775807
  local a, b = string.pack("<i" .. n, lim), string.pack(">i" .. n, -lim - 1)
  print("int size", n, hex(a), hex(b), string.unpack("<i" .. n, a), string.unpack(">i" .. n, b), string.packsize("i" .. n))
end
for n = 1, 8 do
  local max = n < 8 and (1 << (n * 8)) - 1 or -1
  print("uint size", n, hex(string.pack("<I" .. n, max)), string.unpack("<I" .. n, string.pack("<I" .. n, max)))
  if n < 8 then E("uint overflow " .. n, string.pack, "<I" .. n, max + 1) end
end
print("defaults", string.packsize("b"), string.packsize("h"), string.packsize("i"), string.packsize("l"),
  string.packsize("j"), string.packsize("T"), string.packsize("f"), string.packsize("d"), string.packsize("n"))
print("string sizes", hex(string.pack("<s2", "ab")), hex(string.pack(">s3", "ab")), hex(string.pack("<s8", "")))
print("unpack strings", string.unpack("<s2", string.pack("<s2", "hello")), string.unpack("z", "ab\0cd\0"), string.unpack("c2c1", "xyz"))
print("unpack z twice", string.unpack("zz", "ab\0cd\0"))
print("floats", string.unpack("<f", string.pack("<f", 0.5)), string.unpack(">d", string.pack(">d", -1 / 0)),
  string.unpack("<n", string.pack("<n", 2 ^ 60)), string.unpack("<d", string.pack("<d", 0 / 0)) ~= 0 / 0)
print("float narrowing", string.unpack("<f", string.pack("<f", 0.1)) == 0.1, hex(string.pack("<f", 1e300)))
print("float from integer", hex(string.pack("<d", 3)), string.unpack("<d", string.pack("<d", 3)))
print("spaces and endianness switches", hex(string.pack("< i2 > i2 = i2 ! i2", 1, 2, 3, 4)))
print("alignment table", string.packsize("!1 b i8"), string.packsize("!2 b i8"), string.packsize("!4 b i8"),
  string.packsize("!8 b i8"), string.packsize("!16 b i16"), string.packsize("! b d"))
print("align with X", string.packsize("!8 b Xd"), string.packsize("!8 b Xi2 b"), string.packsize("b Xj"))
print("x padding", hex(string.pack("<b x x b", 1, 2)), string.unpack("<b x b", "\1\0\2"))
print("unpack init", string.unpack("<b", "\1\2\3", 2), string.unpack("<b", "\1\2\3", -1), string.unpack("<b", "\1\2\3", -10))
print("unpack at end", string.unpack("", "abc", 4), string.unpack("z", "abc\0", 4))
E("unpack init past end", string.unpack, "b", "abc", 5)
E("unpack float init", string.unpack, "b", "abc", 1.5)
E("pack no format", string.pack)
E("pack bad format type", string.pack, {})
E("unpack no data", string.unpack, "b")
E("unpack i16 overflow", string.unpack, "<i16", ("\0"):rep(8) .. "\1" .. ("\0"):rep(7))
print("unpack i16 negative", string.unpack("<i16", ("\255"):rep(16)))
print("unpack I16 high zero", string.unpack("<I16", "\5" .. ("\0"):rep(15)))
E("unpack I16 overflow", string.unpack, "<I16", ("\255"):rep(16))
E("int size 17", string.packsize, "i17")
E("int size 0", string.packsize, "I0")
E("s size 0", string.pack, "s0", "x")
E("align size 17", string.pack, "!17 b", 1)
E("invalid option", string.unpack, "w", "x")
E("X at end", string.packsize, "bX")
E("X before c", string.packsize, "Xc1")
E("too large", string.packsize, "c2147483647c2")
E("size digits stop at the limit", string.packsize, "c2147483647")
print("huge but fits", string.packsize("c214748364"))
E("pack string arg as number", string.pack, "d", "x")
print("pack number arg as string", string.pack("z", 42), string.pack("s1", 1.5):byte(1))
E("c negative size string", string.pack, "c-1", "")
print("format stops at NUL", string.packsize("i4\0i8"))
print("done 43_string_pack")
