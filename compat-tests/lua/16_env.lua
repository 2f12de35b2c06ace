-- 16_env: _ENV, _G, globals, load with an environment
-- Group A: core language only.
print("== 16_env ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

print("_G._G", _G._G == _G, _ENV == _G)
print("_VERSION", _VERSION)

-- globals are fields of _ENV
newglobal = 5
print("global in _G", _G.newglobal, rawget(_G, "newglobal"))
_G.other = 6
print("_G write visible", other)
newglobal, other = nil, nil

-- local _ENV changes global resolution
do
  local print = print
  local _ENV = {x = "env-x"}
  print("local _ENV", x, y)
  y = "set"
  print("assigned into env", y)
end
print("outside unaffected", y)

-- function with an _ENV parameter
local function withenv(_ENV) return a + b end
print("_ENV param", withenv({a = 1, b = 2}))

-- _ENV as an upvalue captured by closures
local function make()
  local _ENV = {count = 0}
  return function() count = count + 1; return count end
end
local inc = make()
inc(); inc()
print("_ENV upvalue", inc())

-- nil _ENV: accessing globals errors
run("nil _ENV", "local _ENV = nil; return x")
run("nil _ENV assign", "local _ENV = nil; x = 1")
run("number _ENV", "local _ENV = 5; return x")
-- _ENV with metatable (sandboxing with fallback)
local sandbox = setmetatable({}, {__index = _G})
local f = load("z = 10; return z + tonumber('5')", "=sb", "t", sandbox)
print("sandbox", f(), sandbox.z, rawget(_G, "z"))
-- load with env: the first upvalue is _ENV
local env = {v = "from env"}
print("load env", load("return v", "=e", "t", env)())
print("load env nil", pcall(load("return v", "=e", "t", nil)))
-- a chunk compiled without env uses _G
print("load default env", load("return _G == _ENV")())

-- _ENV can be reassigned as a normal variable
do
  local saved = _ENV
  local _ENV = setmetatable({}, {__index = saved})
  w = 1
  print("shadow write", w, saved.w)
end

-- global function definitions go into _ENV
local env2 = {}
load("function gf() return 'gf' end local function lf() end", "=d", "t", env2)()
print("function defs", type(env2.gf), env2.lf)

-- the name _ENV itself is a regular name that can be indexed
print("_ENV index", _ENV.print == print, _ENV["_VERSION"] == _VERSION)

-- global access through __index/__newindex of _G
local accessed = {}
setmetatable(_G, {__index = function(_, k) accessed[#accessed + 1] = k; return nil end,
                  __newindex = function(t, k, v) rawset(t, k, v) end})
local _ = undefined_one
local _ = undefined_two
setmetatable(_G, nil)
print("global misses", #accessed, accessed[1], accessed[2])
print("done 16_env")
