-- 10_closures: closures, upvalues shared between closures, fresh per-iteration
-- locals, proper tail calls, deep recursion and stack overflow
-- Group A: core language only.
print("== 10_closures ==")

-- counter
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
print("counters", c1(), c1(), c1(), c2())

-- two closures share one upvalue
local function pair()
  local v = 0
  local function get() return v end
  local function set(x) v = x end
  return get, set
end
local get, set = pair()
set(42)
print("shared", get())
set("s")
print("shared2", get())

-- upvalue is the variable, not the value
local x = 1
local function gx() return x end
x = 2
print("late binding", gx())

-- fresh local per loop iteration
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print("for fresh", fs[1](), fs[2](), fs[3]())
local ws = {}
local k = 1
while k <= 3 do
  local kk = k
  ws[k] = function() kk = kk + 10; return kk end
  k = k + 1
end
print("while fresh", ws[1](), ws[1](), ws[2](), ws[3]())
local gs = {}
for _, v in ipairs({"a", "b"}) do gs[#gs + 1] = function() return v end end
print("generic fresh", gs[1](), gs[2]())
-- closures created in the same iteration share
local shared = {}
for i = 1, 2 do
  local acc = 0
  shared[i] = {function() acc = acc + 1 end, function() return acc end}
end
shared[1][1](); shared[1][1](); shared[2][1]()
print("same-iteration share", shared[1][2](), shared[2][2]())
-- loop control variable modification does not affect iteration
local seen = 0
for i = 1, 3 do
  local j = i
  j = j * 100
  seen = seen + 1
end
print("iterations", seen)

-- repeat: closure captures the block local
local rs = {}
local r = 0
repeat
  local rr = r
  rs[#rs + 1] = function() return rr end
  r = r + 1
until rr >= 2
print("repeat fresh", rs[1](), rs[2](), rs[3]())

-- nested upvalues (three levels)
local function l1()
  local a = 1
  return function()
    local b = 2
    return function()
      a = a + 1
      return a + b
    end
  end
end
local inner = l1()()
print("nested", inner(), inner())

-- recursive local function
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print("fact", fact(20), fact(21))
-- local function vs local f = function
local fib
fib = function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib", fib(20))

-- proper tail calls: 1e6 deep tail recursion does not overflow the stack
local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print("tail 1e6", loop(1000000, 0))
-- mutual tail recursion
local even, odd
function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print("mutual", even(1000001), odd(1000001))
-- tail call through a method
local obj = {}
function obj:count(n) if n == 0 then return "done" end return self:count(n - 1) end
print("method tail", obj:count(300000))
-- tail call returning multiple values
local function tmr(n) if n == 0 then return 1, 2, 3 end return tmr(n - 1) end
print("tail multi", tmr(100000))
-- tail call of a vararg function
local function tva(n, ...) if n == 0 then return select("#", ...), ... end return tva(n - 1, ...) end
print("tail vararg", tva(100000, "a", nil, "c"))

-- non-tail recursion ends in a catchable stack overflow error
local function deep(n) return 1 + deep(n + 1) end
local ok, msg = pcall(deep, 1)
assert(not ok)
print("stack overflow caught", ok, type(msg))
-- the state is usable afterwards
print("after overflow", fact(5))
-- overflow inside a coroutine
local co = coroutine.create(function() return deep(1) end)
local cok = coroutine.resume(co)
print("overflow in coroutine", cok, coroutine.status(co))
-- infinite __index chain through functions also overflows
local loopmt = {}
loopmt.__index = function(t, kk) return t[kk] end
local lt = setmetatable({}, loopmt)
local ok2 = pcall(function() return lt.x end)
print("__index recursion", ok2)
-- deep recursion that stays within limits works (e.g. depth 10000)
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print("depth 10000", depth(10000))

-- function definitions: methods and fields
local M = {sub = {}}
function M.f(a) return "f" .. a end
function M.sub.g(a) return "g" .. a end
function M:h(a) return self == M, a end
print("defs", M.f(1), M.sub.g(2), M:h(3))
print("method call sugar", M.h(M, 4))
-- call without parentheses
local function id(v) return v end
print("call sugar", id"str", id{1}[1], id[[long]])

-- upvalue sharing with coroutines
local shv = 0
local co2 = coroutine.wrap(function() while true do shv = shv + 1; coroutine.yield(shv) end end)
co2(); co2()
print("coroutine upvalue", shv)
print("done 10_closures")
