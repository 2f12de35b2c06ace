-- A small tour of what halo-lua runs today: closures, metatables, coroutines, errors.
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c = counter()
c(); c()
print("counter:", c())

local Vec = {}
Vec.__index = Vec
Vec.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, Vec) end
Vec.__tostring = function(v) return "(" .. v.x .. ", " .. v.y .. ")" end
local v = setmetatable({x = 1, y = 2}, Vec) + setmetatable({x = 10, y = 20}, Vec)
print("vector:", tostring(v))

local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i * i) end
end)
print("squares:", gen(), gen(), gen())

print("pcall:", pcall(function() local t = nil; return t.field end))
print("integers and floats:", 7 // 2, 7 / 2, 2^53, math and "" or "(stdlib pending)")
