-- Table hash part: string keys, sparse integer keys and float keys; inserts, updates, lookups,
-- deletions, and pairs() traversals (summed, so the traversal order does not matter).
-- Size: arg[1] = rounds (each does 10,000 operations per phase on fresh tables).
-- test size: 1
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local rounds = (arg and arg[1] or 120) // 1
local n = 10000

local keys = {}
for i = 1, 1000 do keys[i] = "key" .. i end

local sum, count, hits = 0, 0, 0
for r = 1, rounds do
  local t = {}
  for i = 1, n do
    local k = keys[(i + r) % 1000 + 1]
    t[k] = (t[k] or 0) + i
  end

  local sparse = {}
  for i = 1, n do
    sparse[i * 7919 % 10007] = i
  end
  local floats = {}
  for i = 1, n do
    if sparse[i] then hits = hits + 1 end
    local f = i + 0.5
    floats[f] = i
    if i % 2 == 0 then floats[f - 1] = nil end
  end

  for k, v in pairs(t) do sum = sum + v + #k; count = count + 1 end
  for _, v in pairs(sparse) do sum = sum + v; count = count + 1 end
  for _, v in pairs(floats) do sum = sum + v; count = count + 1 end
end
print(sum, count, hits)
