-- binary-trees (the Benchmarks Game): allocation of many small tables, recursion, GC pressure.
-- Size: arg[1] = maximum depth.
-- test size: 6
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local maxdepth = (arg and arg[1] or 15) // 1

local function bottom_up(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return { bottom_up(depth), bottom_up(depth) }
end

local function item_check(tree)
  if tree[1] then
    return 1 + item_check(tree[1]) + item_check(tree[2])
  end
  return 1
end

local mindepth = 4
if mindepth + 2 > maxdepth then maxdepth = mindepth + 2 end

local stretch = maxdepth + 1
print("stretch tree of depth", stretch, "check:", item_check(bottom_up(stretch)))

local long_lived = bottom_up(maxdepth)

for depth = mindepth, maxdepth, 2 do
  local iterations = 1 << (maxdepth - depth + mindepth)
  local check = 0
  for _ = 1, iterations do
    check = check + item_check(bottom_up(depth))
  end
  print(iterations, "trees of depth", depth, "check:", check)
end

print("long lived tree of depth", maxdepth, "check:", item_check(long_lived))
