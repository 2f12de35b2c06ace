-- needs: table.sort table.insert table.remove
-- The table library: table.sort with and without a comparator, table.insert and table.remove
-- at both ends. Numbers come from a fixed linear congruential generator so every engine sorts
-- the same input.
-- Size: arg[1] = rounds (each sorts 2,000 numbers twice).
-- test size: 1
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local rounds = (arg and arg[1] or 150) // 1
local len = 2000

local seed = 42
local function rand()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed
end

local sum = 0
for r = 1, rounds do
  local t = {}
  for i = 1, len do t[i] = rand() % 100000 end
  table.sort(t)
  sum = sum + t[1] + t[len // 2] + t[len]
  table.sort(t, function(a, b) return a > b end)
  sum = sum + t[1] + t[len]
  local q = {}
  for i = 1, 500 do table.insert(q, i + r) end
  for i = 1, 50 do table.insert(q, 1, i) end
  while #q > 0 do
    sum = sum + table.remove(q)
    if #q > 0 then sum = sum + table.remove(q, 1) end
  end
end
print(sum)
