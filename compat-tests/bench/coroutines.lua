-- Coroutines: resume/yield loops through coroutine.create (a generator, and a ping-pong passing
-- values both ways), and many short-lived coroutines.
-- Size: arg[1] = values generated (and round trips made).
-- test size: 1000
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 3000000) // 1

local resume, yield = coroutine.resume, coroutine.yield

local gen = coroutine.create(function(limit)
  for i = 1, limit do yield(i) end
  return nil
end)
local total = 0
local _, v = resume(gen, n)
while v do
  total = total + v
  _, v = resume(gen)
end

local co = coroutine.create(function(a)
  while true do
    a = yield(a * 2, a % 3)
  end
end)
for i = 1, n do
  local _, doubled, rest = resume(co, i)
  total = total + doubled + rest
end

for i = 1, n // 10 do
  local c = coroutine.create(function(x)
    local y = yield(x + 1)
    return y * 2
  end)
  local _, a = resume(c, i)
  local _, b = resume(c, i)
  total = total + a + b
end
print(total, coroutine.status(gen), coroutine.status(co))
