-- needs: string.sub string.byte string.char string.find string.gsub string.upper string.rep
-- String library operations: sub, byte, char, plain and pattern find, gsub, upper.
-- Size: arg[1] = rounds over a 1,000-byte text.
-- test size: 20
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local rounds = (arg and arg[1] or 20000) // 1

local text = string.rep("the quick brown fox jumps over the lazy dog 0123456789 ", 20):sub(1, 1000)

local sum = 0
for r = 1, rounds do
  for i = 1, #text, 50 do
    sum = sum + text:byte(i) + #text:sub(i, i + r % 17)
  end
  local s, e = string.find(text, "lazy", r % 900 + 1, true)
  sum = sum + (s or 0) + (e or 0)
  local a, b = text:find("%d+", r % 900 + 1)
  sum = sum + (a or 0) + (b or 0)
  local _, count = text:gsub("o", "0")
  sum = sum + count
  sum = sum + #string.char(65 + r % 26, 97 + r % 26):upper()
end
print(sum)
