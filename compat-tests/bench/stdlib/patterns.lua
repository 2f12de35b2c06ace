-- needs: string.match string.gmatch string.gsub
-- Parsing with patterns as proxy scripts do: a request line split by string.match, a query
-- string walked with string.gmatch, and string.gsub with captures and with a table.
-- Size: arg[1] = rounds.
-- test size: 100
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 100000) // 1

local line = "GET /index.html?a=1&bb=22&ccc=333 HTTP/1.1"
local vars = {name = "bob", age = "42"}
local total = 0
for i = 1, n do
  local m, path, q, v = line:match("^(%u+)%s+([^?]+)%?(%S*)%s+HTTP/(%d%.%d)$")
  total = total + #m + #path + #v
  for k, val in q:gmatch("([^&=]+)=([^&]*)") do
    total = total + #k + #val
  end
  local r, c = path:gsub("(%w+)", "<%1>")
  total = total + #r + c
  total = total + #(("$name is $age"):gsub("%$(%w+)", vars))
end
print(total)
