-- 05_bitwise: bitwise operators on integers and integral floats, errors
-- Group A: core language only.
print("== 05_bitwise ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

local maxi = 9223372036854775807
local mini = -9223372036854775807 - 1

print("and", 0xF0 & 0x3C, "or", 0xF0 | 0x0F, "xor", 0xFF ~ 0x0F, "not", ~0, ~5)
print("shl", 1 << 4, 1 << 62, 1 << 63, 1 << 64, 1 << 100)
print("shr", 256 >> 4, -1 >> 1, -1 >> 63, -1 >> 64, mini >> 63)
print("neg shift", 1 << -1, 2 >> -1, 16 << -2, 1 >> -63)
print("shift by minint", 1 << mini, 1 >> mini)
print("big", maxi & mini, maxi | mini, maxi ~ mini, ~maxi, ~mini)
print("0xff..", 0xffffffffffffffff >> 60, 0xffffffffffffffff << 60)

-- floats with exact integer values are converted
print("float ops", 3.0 | 0, 2.0 << 1, 1 & 3.0, ~0.0, 2^62 | 0)
-- float results of operations are integers
print("result subtype", 3.0 | 0, (3.0 | 0) .. "")

-- errors for non-integral or out-of-range floats
run("1.5|0", "local x = 1.5 return x | 0")
run("2^63|0", "local x = 2^63 return x | 0")
run("-2^63|0", "local x = -2^63 return x | 0")
run("inf&1", "local x = 1/0 return x & 1")
run("nan~1", "local x = 0/0 return x ~ 1")
run("~1.5", "local x = 1.5 return ~x")
run("1<<0.5", "local x = 0.5 return 1 << x")
run("const 1.5|0", "return 1.5 | 0")
run("nil&1", "local x return x & 1")
run("{}>>1", "local t = {} return t >> 1")
run("field~1", "local t = {} return t.f ~ 1")
run("bool|1", "return true | 1")

-- precedence: comparison < bor < bxor < band < shift < concat < additive
assert(1 | 2 ~ 3 & 4 == 1 | (2 ~ (3 & 4)))
assert(1 << 2 + 1 == 8)
assert(5 & 3 == 1)
assert((0xF0 | 0x0F) == 255)
assert(~0 == -1)
assert(~~7 == 7)
assert(- ~1 == 2)
print("1|2~3&4", 1 | 2 ~ 3 & 4)
print("1<<2+1", 1 << 2 + 1)
print("2^2<<1 error?", pcall(load("return 2^2 << 1")))

-- shifts are logical, not arithmetic
assert(mini >> 1 == 0x4000000000000000)
assert(-8 >> 1 == 0x7ffffffffffffffc)
print("logical shift", mini >> 1, -8 >> 1)
print("done 05_bitwise")
