-- Method calls through __index: a class, a subclass two metatables deep, field reads and writes
-- through `self`, and object creation with setmetatable.
-- Size: arg[1] = iterations.
-- test size: 1000
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 1500000) // 1

local Point = {}
Point.__index = Point

function Point.new(x, y)
  return setmetatable({ x = x, y = y }, Point)
end

function Point:add(o)
  return Point.new(self.x + o.x, self.y + o.y)
end

function Point:norm1()
  return self.x + self.y
end

local Point3 = setmetatable({}, { __index = Point })
Point3.__index = Point3

function Point3.new(x, y, z)
  local p = setmetatable(Point.new(x, y), Point3)
  p.z = z
  return p
end

function Point3:move(d)
  self.x = self.x + d
  self.z = self.z - d
  return self
end

local acc = Point.new(0, 0)
local p3 = Point3.new(1, 2, 3)
local sum = 0
for i = 1, n do
  acc = acc:add(Point.new(i, -1))
  p3:move(1)
  sum = sum + p3:norm1() + acc:norm1() % 7
end
print(sum, acc.x, acc.y, p3.x, p3.y, p3.z)
