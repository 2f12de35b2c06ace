-- needs: string.format
-- string.format with the specifiers HAProxy scripts log with: %s, %d, %5.2f, %x, %-8s, %q
-- and %.14g.
-- Size: arg[1] = lines formatted (two calls each).
-- test size: 100
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 300000) // 1

local total = 0
for i = 1, n do
  local a = string.format("%s=%5.2f [%x] %-8s|%q", "key", i / 7, i, "v", "a\nb")
  local b = string.format("%d %.14g %5s", i, i / 3, "x")
  total = total + #a + #b
end
print(total)
