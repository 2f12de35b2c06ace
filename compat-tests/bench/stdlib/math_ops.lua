-- needs: math.sqrt math.floor math.abs math.max math.min math.sin math.fmod
-- The math library in a float loop: sqrt, floor, abs, max, min, sin, fmod.
-- Size: arg[1] = iterations.
-- test size: 1000
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 2000000) // 1

local sqrt, floor, abs, max, min, sin, fmod =
  math.sqrt, math.floor, math.abs, math.max, math.min, math.sin, math.fmod
local acc, ints = 0.0, 0
for i = 1, n do
  local x = sqrt(i) + sin(i * 0.001)
  acc = acc + abs(x - floor(x)) + fmod(i, 7.5)
  ints = ints + max(i % 13, 5) - min(i % 7, 3) + floor(x)
end
print(acc, ints)
