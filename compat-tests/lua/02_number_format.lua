-- 02_number_format: how numbers are converted to strings (tostring/print/..)
-- Group A: core language only.
print("== 02_number_format ==")

local function show(x) print(x, tostring(x), "" .. x) end

show(0)
show(-0)
show(0.0)
show(-0.0)
show(1)
show(-1)
show(1.0)
show(-1.5)
show(0.1)
show(0.5)
show(1/3)
show(2/3)
show(100.0)
show(1e15)
show(1e16)
show(1e14 + 0.5)
show(123456789012.0)
show(2^53)
show(2^63)
show(-2^63)
show(2^24)
show(1e100)
show(1e-100)
show(1e308)
show(1e-310)
show(5e-324)
show(1.7976931348623157e308)
show(1/0)
show(-1/0)
show(3.14159265358979)
show(123.456)
show(1e-5)
show(0.0001)
show(12345678901234567890)
show(9007199254740993)
show(-9223372036854775807 - 1)
show(9223372036854775807)
show(255 / 5)
show(7 // 2.0)
show(3 * 1.0)
show(1e3)
show(1e2 * 1e2)
show(0x7fffffffffffffff + 0.0)
show(2^-1074)

-- nan prints as nan or -nan depending on sign; print only that it is nan
local nan = 0/0
print("nan is not equal to itself", nan ~= nan)

-- float keys that are integral are shown as integer when normalised
local t = {}
t[3.0] = "x"
for k in pairs(t) do print("key", k) end

-- concatenation uses the same format
print("cat", 1 .. "", 1.0 .. "", -0.0 .. "", 1e100 .. "", 2^63 .. "")
print("cat2", 10 .. 20, 1.5 .. 2)

-- tostring of integer-valued floats keeps ".0"
assert(tostring(3.0) == "3.0")
assert(tostring(-3.0) == "-3.0")
assert(tostring(1e15) == "1e+15")
assert(tostring(2^53) == "9.007199254741e+15")
assert(tostring(0.1) == "0.1")
assert(tostring(1e100) == "1e+100")
assert(tostring(1/0) == "inf")
assert(tostring(-1/0) == "-inf")
print("done 02_number_format")
