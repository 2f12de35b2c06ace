-- Floating-point arithmetic loop: + - * / on float locals, mixed with the integer loop counter.
-- Size: arg[1] = iterations.
-- test size: 1000
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 20000000) // 1

local x, y, z = 0.0, 1.0, 0.5
for i = 1, n do
  x = x * 0.999 + y * 0.001
  y = y * 0.998 + 1.0 / (1.0 + i)
  z = z + x * y - z * 1e-6
end
print(x, y, z)
