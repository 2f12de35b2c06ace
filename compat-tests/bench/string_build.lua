-- String building with the `..` operator only (no library functions): number-to-string
-- coercion, concatenation chains, string length and equality.
-- Size: arg[1] = strings built (each from 20 pieces).
-- test size: 100
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 200000) // 1

local total, same = 0, 0
local prev = ""
for i = 1, n do
  local s = ""
  for j = 1, 20 do
    s = s .. (i % 100 + j) .. ","
  end
  s = "[" .. s .. "]"
  total = total + #s
  if s == prev then same = same + 1 end
  prev = s
end
print(total, same)
