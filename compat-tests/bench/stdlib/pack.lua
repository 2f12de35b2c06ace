-- needs: string.pack string.unpack
-- Binary records: string.pack and string.unpack of integers of several sizes, a double, a
-- length-prefixed and a zero-terminated string.
-- Size: arg[1] = records packed and unpacked.
-- test size: 100
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 300000) // 1

local total = 0
for i = 1, n do
  local p = string.pack("<i4 I2 d s1 z", i, i % 65536, i / 3, "abc", "zz")
  local a, b, c, d, e = string.unpack("<i4 I2 d s1 z", p)
  total = total + a + b + #d + #e + #p
end
print(total)
