-- Closures: creating them, calling them, reading and writing shared upvalues.
-- Size: arg[1] = closures created.
-- test size: 1000
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 4000000) // 1

local function counter(start)
  local c = start
  return function(d)
    c = c + d
    return c
  end
end

local total = 0
for i = 1, n do
  local f = counter(i)
  total = total + f(1) + f(2)
end

-- Closures capturing fresh loop variables, called many times.
local adders = {}
for i = 1, 100 do
  adders[i] = function(x) return x + i end
end
for r = 1, n // 100 do
  for i = 1, 100 do
    total = total + adders[i](r)
  end
end

-- Two closures sharing one upvalue.
local function pair()
  local v = 0
  return function() v = v + 1 end, function() return v end
end
local inc, get = pair()
for _ = 1, n do inc() end
print(total + get())
