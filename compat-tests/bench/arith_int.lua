-- Integer arithmetic loop: + - * // % and bitwise operators on locals.
-- Size: arg[1] = iterations.
-- test size: 1000
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 20000000) // 1

local acc, mix = 0, 12345
for i = 1, n do
  acc = (acc * 31 + i) % 1000000007
  mix = (mix ~ (i << 3)) & 0xffffff
  acc = acc + mix // 7 - i % 13
end
print(acc, mix)
