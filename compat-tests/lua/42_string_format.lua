-- 42_string_format: string.format specifiers, flags, width, precision, %q, %a
-- Group B: standard library.
print("== 42_string_format ==")

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


local function P(fmt, ...) print(fmt, "=>", "[" .. string.format(fmt, ...) .. "]") end

-- integers
P("%d", 42)
P("%d", -42)
P("%5d", 42)
P("%-5d|", 42)
P("%05d", 42)
P("%+d", 42)
P("% d", 42)
P("%.3d", 7)
P("%8.3d", 7)
P("%d", 3.0)
P("%d", "10")
P("%d", -9223372036854775807 - 1)
P("%i", 12)
P("%x", 255)
P("%X", 255)
P("%#x", 255)
P("%#X", 0)
P("%o", 8)
P("%#o", 8)
P("%x", -1)
P("%u", 42)
P("%c", 65)
P("%c%c%c", 76, 117, 97)
P("%5c|", 65)
P("%-5c|", 65)
E("%d non-integer float", string.format, "%d", 3.5)
E("%d string", string.format, "%d", "x")
E("%x float", string.format, "%x", 1.5)
E("%c string", string.format, "%c", "A")

-- floats
P("%f", 3.14159)
P("%.2f", 3.14159)
P("%10.3f|", 3.14159)
P("%-10.3f|", 3.14159)
P("%010.3f", -3.14159)
P("%+.1f", 2.25)
P("%.0f", 2.5)
P("%.0f", 3.5)
P("%#.0f", 3.0)
P("%e", 12345.678)
P("%.2e", 12345.678)
P("%E", 0.000123)
P("%g", 100000)
P("%g", 1000000)
P("%g", 1e-5)
P("%g", 0.0001)
P("%.3g", 3.14159)
P("%#g", 1.0)
P("%G", 1e-20)
P("%f", 1 / 0)
P("%f", -1 / 0)
P("%.3f", 2 ^ 53)
P("%5.1f|", 1e300 * 10)
P("%f", 42)
P("%.20f", 0.1)
P("%.14g", 0.1)
P("%.17g", 0.1)
P("%g", -0.0)
P("%.99f", 1 / 3)

-- hex floats: %a output format is implementation-dependent in its
-- normalisation, so check round-trips and a few canonical values
for _, v in ipairs({1.0, 0.5, -2.75, 1e10, 1 / 3, 2 ^ -1074, 1e308}) do
  local s = string.format("%a", v)
  assert(tonumber(s) == v, s)
end
print("%a round-trips")
P("%a", 1.0)
P("%a", 0.5)
P("%a", 0.0)
P("%A", 255.5)
P("%.3a", 1.0)

-- strings
P("%s", "hello")
P("%10s|", "hello")
P("%-10s|", "hello")
P("%.3s", "hello")
P("%10.2s|", "hello")
P("%s", 42)
P("%s", 4.5)
P("%s", nil)
P("%s", true)
P("%s %s", "a", "b")
P("%s", setmetatable({}, {__tostring = function() return "custom" end}))
P("%%")
P("100%% sure")
P("%s", "with\0zero")
E("%10s with zero", string.format, "%10s", "a\0b")
E("%s __tostring bad", string.format, "%s", setmetatable({}, {__tostring = function() return {} end}))

-- %q
P("%q", "hello")
P("%q", 'quote " and \\ backslash')
P("%q", "new\nline")
P("%q", "tab\tzero\0one\1")
P("%q", "\r\n\255\127")
P("%q", "digit after zero \0" .. "1")
P("%q", 42)
P("%q", -42)
P("%q", 3.5)
P("%q", 1 / 0)
P("%q", -1 / 0)
P("%q", 0 / 0 ~= 0 / 0)
P("%q", -9223372036854775807 - 1)
P("%q", 9223372036854775807)
P("%q", 2 ^ 63)
P("%q", 0.1)
P("%q", nil)
P("%q", true)
P("%q", false)
E("%q table", string.format, "%q", {})
E("%q with modifier", string.format, "%10q", "x")
-- %q round-trips through load
for _, v in ipairs({"a\0b\n\"\\", "\1\2\3\255", 12, -0.5, 1e100, 2 ^ -1074, -9223372036854775807 - 1, 0.1}) do
  local src = "return " .. string.format("%q", v)
  local back = load(src)()
  assert(back == v and tostring(back) == tostring(v), src)
end
print("%q round-trips")

-- errors
E("no value", string.format, "%d")
E("invalid conversion", string.format, "%y", 1)
E("invalid conversion 2", string.format, "%", 1)
E("too long format", string.format, "%123456789d", 1)
E("precision too long", string.format, "%.123d", 1)
E("bad format arg", string.format, {})
E("flags with %q", string.format, "%-q", "x")
E("width with %c too big", string.format, "%100c", 65)
E("invalid %i flag", string.format, "%#i", 1)

-- every conversion under a matrix of flags, widths and precisions (C printf semantics);
-- invalid combinations give lstrlib's error instead. The whole matrix is summarised by a
-- hash per conversion (the output would be too large); a sample of it is printed in full.
local function hash(h, s)
  for i = 1, #s do h = (h * 31 + s:byte(i)) & 0xFFFFFFFF end
  return h
end
local function matrix(conv, flags, values)
  local h, count = 7, 0
  for _, fl in ipairs(flags) do
    for _, w in ipairs({"", "1", "7", "25"}) do
      for _, p in ipairs({"", ".", ".0", ".2", ".12"}) do
        local fmt = "%" .. fl .. w .. p .. conv
        local line = fmt
        for _, v in ipairs(values) do
          local ok, r = pcall(string.format, fmt, v)
          line = line .. " [" .. (ok and r or ("ERR " .. r)) .. "]"
        end
        h, count = hash(h, line), count + 1
        if w == "7" and p == ".2" then print(line) end
      end
    end
  end
  print("matrix", conv, count, h)
end
local ints = {0, 1, -1, 42, -987654, 9223372036854775807, -9223372036854775807 - 1}
local floats = {0.0, -0.0, 1.5, -2.25, 0.1, 123456.789, 1e-10, 6.02e23, 1 / 0, -1 / 0, 0 / 0, 2 ^ -1074}
matrix("d", {"", "-", "+", " ", "0", "-0", "+0", "#"}, ints)
matrix("i", {"", "+", "0 "}, ints)
matrix("u", {"", "-", "0", "+"}, ints)
matrix("o", {"", "#", "-#", "0#"}, ints)
matrix("x", {"", "#", "0", "-#", "0#", "+"}, ints)
matrix("X", {"", "#", "0#"}, ints)
matrix("c", {"", "-", "0"}, {65, 97, 126})
matrix("e", {"", "-", "+", " ", "#", "0", "+0#"}, floats)
matrix("E", {"", "#0"}, floats)
matrix("f", {"", "-", "+", " ", "#", "0", "- #"}, floats)
matrix("g", {"", "-", "+", " ", "#", "0", "0#"}, floats)
matrix("G", {"", "#", "+0"}, floats)
matrix("a", {"", "-", "+", " ", "#", "0"}, floats)
matrix("A", {"", "#0"}, floats)
matrix("s", {"", "-", "0", "+"}, {"", "abc", "hello, world", ("x"):rep(120)})
matrix("q", {"", "-"}, {"a"})
matrix("F", {""}, {1.5})

-- numbers given as strings and integers given as floats
P("%d %x %c", "42", "255", "65")
P("%5.1f %e", "2.5", "1e3")
P("%d", 2 ^ 53)
P("%g %g %g", 1e15, 1e16, 123456789012)
P("%.14g %.14g", 2 ^ 63, -2 ^ 63)
E("%d float too big", string.format, "%d", 2 ^ 63)
E("%x string float", string.format, "%x", "1.5")
E("%f table", string.format, "%f", {})
E("%a string", string.format, "%a", "x")
E("%c nil", string.format, "%c", nil)
E("%s no value", string.format, "%s %s", 1)
-- %c of any byte, including zero
print("%c bytes", string.format("%c%c%c", 0, 255, 10) == "\0\255\n", #string.format("%5c", 0))
-- %s converts anything like tostring, and keeps long or zero-containing strings whole
P("%s %s %s %s", 1, 1.0, -0.0, 1e100)
P("%s|%s", true, false)
P("%.2s", true)
P("%5s", 42)
print("%s long", #string.format("%s", ("x"):rep(1000)), #string.format("%5s", ("x"):rep(1000)), #string.format("%.5s", ("x"):rep(1000)))
print("%s zero no modifiers", string.format("%s", "a\0b") == "a\0b")
print("%s __name", (string.format("%s", setmetatable({}, {__name = "MyType"})):gsub("0x%x+", "ADDR")))
P("%s", setmetatable({}, {__tostring = function() return 42 end}))
P("[%-6s][%6s][%.1s]", setmetatable({}, {__tostring = function() return "obj" end}),
  setmetatable({}, {__tostring = function() return "obj" end}), setmetatable({}, {__tostring = function() return "obj" end}))
E("%s __tostring error", string.format, "%s", setmetatable({}, {__tostring = function() error("ts failed") end}))
-- %q of every byte and number form
local allbytes = ""
for i = 0, 255 do allbytes = allbytes .. string.char(i) end
local q = string.format("%q", allbytes)
print("%q all bytes", #q, load("return " .. q)() == allbytes)
print("%q controls", string.format("%q", "\1\0012\r\t\f\v\a\b\27\127x\0009"))
P("%q", 0)
P("%q", -0.0)
P("%q", 1.0)
P("%q", -1.5)
P("%q", 2 ^ 1023)
P("%q", 5e-324)
P("%q", 123456789012345678)
P("%q %q", "x", 1)
E("%q function", string.format, "%q", print)
E("%q coroutine", string.format, "%q", coroutine.create(print))
E("%.3q", string.format, "%.3q", "x")
-- %%, literal text and positions
P("%%d %d %%", 5)
E("%5% is not %%", string.format, "%5%", 1)
P("a%%b%%c")
print("trailing %", pcall(string.format, "abc%"))
print("percent then space", pcall(string.format, "% d", 5))
-- errors for malformed specs
E("two digit width ok", string.format, "%99d", 1)
E("three digit width", string.format, "%100d", 1)
E("three digit precision", string.format, "%.100f", 1)
E("zero width after flags", string.format, "%-05s", "x")
E("spec too long", string.format, "%------------------------d", 1)
E("length modifier l", string.format, "%ld", 1)
E("length modifier h", string.format, "%hd", 1)
E("conversion n", string.format, "%n", 1)
E("conversion b", string.format, "%b", 1)
E("precision on c", string.format, "%.1c", 65)
E("flag # on d", string.format, "%#d", 1)
E("flag + on x", string.format, "%+x", 1)
E("flag space on u", string.format, "% u", 1)
E("flag 0 on s", string.format, "%0s", "x")
E("flag # on s", string.format, "%#s", "x")
E("flag + on a ok", string.format, "%+a", 1)
E("format of nil", string.format, nil)
E("format no args", string.format)
print("extra args ignored", string.format("%d", 1, 2, 3))
print("no specifiers", string.format("plain"))
print("number format", string.format(42))
print("many", string.format("%s-%s-%s-%s-%s-%s-%s-%s-%s-%s", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
print("done 42_string_format")
