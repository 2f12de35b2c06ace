-- 17_coroutines: the coroutine library, status transitions, yields across
-- pcall, metamethods and iterators, wrap errors, close
-- Group A: core language only.
print("== 17_coroutines ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- create / resume / yield / status
local co = coroutine.create(function(a, b)
  print("  started with", a, b)
  local c, d = coroutine.yield(a + b)
  print("  resumed with", c, d)
  local e = coroutine.yield(c * d)
  print("  resumed again with", e)
  return "fin", e
end)
print("type", type(co))
print("status new", coroutine.status(co))
print("resume1", coroutine.resume(co, 1, 2))
print("status", coroutine.status(co))
print("resume2", coroutine.resume(co, 3, 4))
print("resume3", coroutine.resume(co, "last"))
print("status end", coroutine.status(co))
print("resume dead", coroutine.resume(co))
print("resume dead again", coroutine.resume(co, 1))

-- status "running" and "normal"
local outer
local inner = coroutine.create(function()
  print("  inner sees outer as", coroutine.status(outer))
  print("  inner sees itself as", coroutine.status(coroutine.running()))
end)
outer = coroutine.create(function()
  coroutine.resume(inner)
  print("  outer sees inner as", coroutine.status(inner))
end)
coroutine.resume(outer)

-- running / isyieldable
local main, ismain = coroutine.running()
print("main running", type(main), ismain)
print("main yieldable", coroutine.isyieldable())
coroutine.wrap(function()
  local c, im = coroutine.running()
  print("in co running", type(c), im, coroutine.isyieldable())
end)()
print("isyieldable of main thread arg", coroutine.isyieldable(main))

-- yield from main thread
run("yield from main", "coroutine.yield(1)")
-- resume itself / resume a running coroutine
local self_co
self_co = coroutine.create(function() return coroutine.resume(self_co) end)
print("resume running", coroutine.resume(self_co))
-- resume a normal coroutine
local a_co, b_co
a_co = coroutine.create(function() return coroutine.resume(b_co) end)
b_co = coroutine.create(function() return coroutine.resume(a_co) end)
print("resume normal", coroutine.resume(a_co))

-- errors inside coroutines
local ec = coroutine.create(function() error("inside") end)
local ok, msg = coroutine.resume(ec)
print("error resume", ok, msg ~= nil, coroutine.status(ec))
local ec2 = coroutine.create(function() error({code = 7}) end)
ok, msg = coroutine.resume(ec2)
print("error object", ok, type(msg), msg.code)
local ec3 = coroutine.create(function() local x = nil; return x.y end)
print("runtime error", coroutine.resume(load("return coroutine.create(function() local x = nil; return x.y end)", "=coerr")()))

-- wrap
local gen = coroutine.wrap(function(n)
  for i = 1, n do coroutine.yield(i) end
  return "end"
end)
print("wrap", gen(3), gen(), gen(), gen())
run("wrap dead", "local g = coroutine.wrap(function() end) g() g()")
run("wrap error propagates", "local g = coroutine.wrap(function() error('werr') end) g()")
run("wrap error table", "local g = coroutine.wrap(function() error({}) end) local ok, e = pcall(g) return type(e)")
-- error position is kept for string errors raised with level
local wrapped = load("return coroutine.wrap(function() local t = nil; return t.f end)", "=wrapsrc")()
print("wrap runtime error", pcall(wrapped))

-- yield across pcall
local pc = coroutine.create(function()
  local ok2, v = pcall(function()
    local got = coroutine.yield("from inside pcall")
    error("after yield " .. got, 0)
  end)
  coroutine.yield("pcall returned " .. tostring(ok2) .. " " .. v)
  return "done"
end)
print("pcall yield 1", coroutine.resume(pc))
print("pcall yield 2", coroutine.resume(pc, "X"))
print("pcall yield 3", coroutine.resume(pc))
-- yield across xpcall with handler
local xc = coroutine.wrap(function()
  return xpcall(function()
    coroutine.yield("y1")
    error("e1", 0)
  end, function(m) return "handled " .. m end)
end)
print("xpcall yield", xc())
print("xpcall yield result", xc())

-- yield inside metamethods
local mmco = coroutine.wrap(function()
  local t = setmetatable({}, {
    __index = function(_, k) return coroutine.yield("index " .. k) end,
    __add = function(a, b) return coroutine.yield("add") end,
    __lt = function(a, b) return coroutine.yield("lt") end,
    __concat = function(a, b) return coroutine.yield("concat") end,
    __eq = function(a, b) return coroutine.yield("eq") end,
    __len = function() return coroutine.yield("len") end,
    __newindex = function(t2, k, v) coroutine.yield("newindex " .. k) end,
    __call = function(self, x) return coroutine.yield("call " .. x) end,
  })
  local r1 = t.foo
  local r2 = t + 1
  local r3 = t < t
  local r4 = t .. "s"
  local r5 = t == setmetatable({}, getmetatable(t))
  local r6 = #t
  t.bar = 1
  local r7 = t("arg")
  return "results", r1, r2, r3, r4, r5, r6, r7
end)
print("mm1", mmco())
print("mm2", mmco("v1"))
print("mm3", mmco("v2"))
print("mm4", mmco(false))
print("mm5", mmco("v4"))
print("mm6", mmco(1))
print("mm7", mmco(6))
print("mm8", mmco())
print("mm end", mmco("v7"))

-- yield inside an iterator of a generic for
local itco = coroutine.wrap(function()
  local function it(_, i) if i < 3 then coroutine.yield("iter " .. i) return i + 1 end end
  local s = 0
  for i in it, nil, 0 do s = s + i end
  return "sum " .. s
end)
print("iter", itco(), itco(), itco(), itco())

-- yield inside a for loop body passing values
local producer = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i, i * i) end
end)
for i = 1, 3 do print("producer", producer()) end

-- coroutine.close
local cc = coroutine.create(function() coroutine.yield() end)
print("close new", coroutine.close(coroutine.create(print)))
coroutine.resume(cc)
print("close suspended", coroutine.close(cc), coroutine.status(cc))
print("close dead", coroutine.close(cc))
local errco = coroutine.create(function() error("E", 0) end)
coroutine.resume(errco)
print("close errored", coroutine.close(errco))
run("close running", "return coroutine.close(coroutine.running())")
run("close normal", [[
  local normalco
  normalco = coroutine.create(function()
    local child = coroutine.create(function() return coroutine.close(normalco) end)
    return coroutine.resume(child)
  end)
  return coroutine.resume(normalco)]])

-- argument errors
run("resume non-coroutine", "return coroutine.resume(1)")
run("status non-coroutine", "return coroutine.status({})")
run("create non-function", "return coroutine.create(1)")
run("wrap non-function", "return coroutine.wrap(nil)")

-- passing many values through resume/yield
local many = coroutine.create(function(...)
  local n = select("#", ...)
  local r = {coroutine.yield(n, ...)}
  return #r, r[1], r[#r]
end)
print("many in", coroutine.resume(many, 1, nil, 3))
print("many out", coroutine.resume(many, "a", "b", "c", "d"))

-- generators: permutations
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local count = 0
for p in coroutine.wrap(function() permgen({1, 2, 3, 4}) end) do count = count + 1 end
print("permutations", count)

-- deep coroutine nesting
local function nest(n)
  if n == 0 then return coroutine.yield("bottom") end
  local c = coroutine.wrap(function() return nest(n - 1) end)
  local v = c()
  return v
end
print("nested wrap", coroutine.wrap(function() return nest(50) end)())

-- many coroutines alive at once
local list = {}
for i = 1, 1000 do
  list[i] = coroutine.create(function(x) local y = coroutine.yield(x + 1) return y * 2 end)
end
local total = 0
for i = 1, 1000 do local _, v = coroutine.resume(list[i], i) total = total + v end
for i = 1, 1000 do local _, v = coroutine.resume(list[i], i) total = total + v end
print("1000 coroutines", total)
print("done 17_coroutines")

-- coroutines resuming coroutines without end: "C stack overflow" at lua5.4's depth (the
-- fuzz target `execute` found the chain growing without bound)
do
  local depth = 0
  local function f()
    depth = depth + 1
    local ok, e = coroutine.resume(coroutine.create(f))
    if not ok then error(e, 0) end
  end
  print("resume chain", pcall(f))
  print("resume chain depth", depth)
  local function nest()
    return coroutine.wrap(nest)()
  end
  local ok, e = pcall(coroutine.wrap(nest))
  local msg, prefixes = e:gsub("[^:]*:%d+: ", "")
  print("wrap chain", ok, msg, prefixes)
end
