-- needs: table.concat string.rep string.format
-- String building with the string and table libraries: table.concat of many pieces,
-- string.rep, string.format.
-- Size: arg[1] = strings built (each from 20 pieces).
-- test size: 100
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 120000) // 1

local total = 0
local parts = {}
for i = 1, n do
  for j = 1, 20 do
    parts[j] = string.format("%d:%d", i % 100, j)
  end
  local s = table.concat(parts, ",")
  total = total + #s + #string.rep("ab", i % 10, "-")
end
print(total)
