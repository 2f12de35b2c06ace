-- Table array part: appends, indexed reads and writes, the length operator, swaps.
-- Size: arg[1] = rounds (each builds and walks a 10,000-element array).
-- test size: 1
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local rounds = (arg and arg[1] or 1200) // 1
local len = 10000

local sum = 0
for r = 1, rounds do
  local t = {}
  for i = 1, len do t[#t + 1] = i + r end
  for i = 1, #t do sum = sum + t[i] end
  -- Reverse in place.
  local n = #t
  for i = 1, n // 2 do
    t[i], t[n - i + 1] = t[n - i + 1], t[i]
  end
  for i = 2, n do t[i] = t[i] - t[i - 1] end
  sum = sum + t[1] + t[n]
end
print(sum)
