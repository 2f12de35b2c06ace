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
print("done 43_string_pack")
