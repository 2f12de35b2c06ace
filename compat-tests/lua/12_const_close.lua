-- 12_const_close: <const> and <close> local attributes
-- Group A: core language only.
print("== 12_const_close ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- <const>
local K <const> = 10
local S <const> = "str"
print("const", K, S, K * 2)
run("assign const", "local x <const> = 1; x = 2")
run("assign const upvalue", "local x <const> = 1; return function() x = 2 end")
run("unknown attrib", "local x <foo> = 1")
run("const without value", "local x <const>; return x")
run("const in loop", "local s = 0 for i = 1, 3 do local c <const> = i * 2; s = s + c end return s")
run("multiple close", "local a <close>, b <close> = nil, nil")
run("const and close", "local a <const>, b <close> = 1, nil return a")

-- <close>: closed in reverse order at scope exit
local log = {}
local function L(s) log[#log + 1] = s end
local function res(name)
  return setmetatable({name = name}, {__close = function(self, err)
    L("close " .. self.name .. " err=" .. tostring(err))
  end})
end
local function show(label)
  print(label)
  for i = 1, #log do print("", log[i]) end
  log = {}
end

do
  local a <close> = res("a")
  local b <close> = res("b")
  local c <close> = nil      -- nil is allowed and ignored
  local d <close> = false    -- false too
  L("body")
end
show("normal exit")

-- on break
for i = 1, 3 do
  local r <close> = res("loop" .. i)
  if i == 2 then break end
end
show("break")

-- on return, after the return values are computed
local function f()
  local r <close> = res("f")
  L("returning")
  return "value"
end
L("got " .. f())
show("return")

-- tail-call position: a function with to-be-closed variables does not make tail calls
local function g()
  local r <close> = res("g")
  return (function() L("callee runs before close") return 1 end)()
end
g()
show("no tail call")

-- on error: the error object is passed to __close
local ok, err = pcall(function()
  local a <close> = res("e1")
  local b <close> = res("e2")
  error("oops", 0)
end)
L("pcall " .. tostring(ok) .. " " .. tostring(err))
show("error")

-- error inside __close replaces the error; other variables still close
ok, err = pcall(function()
  local a <close> = res("outer")
  local b <close> = setmetatable({}, {__close = function() L("bad close"); error("close failed", 0) end})
  local c <close> = res("inner")
  L("body")
end)
L("pcall " .. tostring(ok) .. " " .. tostring(err))
show("error in __close (normal exit)")

ok, err = pcall(function()
  local a <close> = res("outer2")
  local b <close> = setmetatable({}, {__close = function(_, e) L("bad close sees " .. tostring(e)); error("second", 0) end})
  error("first", 0)
end)
L("pcall " .. tostring(ok) .. " " .. tostring(err))
show("error in __close (error exit)")

-- a value without __close is an error at declaration
run("non-closable", "local x <close> = {}")
run("non-closable number", "local x <close> = 42")
-- __close removed after declaration: error at close time
ok, err = pcall(function()
  local mt = {__close = function() end}
  local x <close> = setmetatable({}, mt)
  mt.__close = nil
end)
print("removed __close", ok, err ~= nil)

-- goto out of a block closes
do
  local i = 0
  ::again::
  do
    local r <close> = res("goto" .. i)
    i = i + 1
    if i < 3 then goto again end
  end
end
show("goto")

-- close in coroutines: coroutine.close closes pending variables
local co = coroutine.create(function()
  local r <close> = res("co")
  coroutine.yield(1)
  L("never")
end)
coroutine.resume(co)
print("close coroutine", coroutine.close(co), coroutine.status(co))
show("coroutine.close")

-- error in coroutine closes variables
co = coroutine.create(function()
  local r <close> = res("coerr")
  error("in co", 0)
end)
print("resume error", coroutine.resume(co))
show("coroutine error (variables still pending)")
print("close after error", coroutine.close(co))
show("coroutine.close after error")

-- the value is a constant
run("assign close var", "local x <close> = nil; x = 1")
-- __close receives exactly the value and the error (nil on normal exit)
local args
do
  local v <close> = setmetatable({}, {__close = function(...) args = select("#", ...) end})
end
print("__close arg count", args)
print("done 12_const_close")
