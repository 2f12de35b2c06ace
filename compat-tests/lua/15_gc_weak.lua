-- 15_gc_weak: collectgarbage options used by core code, weak tables (__mode),
-- finalizers (__gc) and their order
-- Group A: core language only.
print("== 15_gc_weak ==")

-- collectgarbage("count") returns a float (KB); never print the value
local kb = collectgarbage("count")
print("count type", type(kb), kb > 0)
print("collect returns", collectgarbage("collect"))
print("default is collect", collectgarbage())
print("step type", type(collectgarbage("step")))

-- weak values
local wv = setmetatable({}, {__mode = "v"})
wv[1] = {}            -- only referenced weakly
local keep = {}
wv[2] = keep
wv.str = "strings are values, never collected"
wv.num = 42
collectgarbage()
collectgarbage()
print("weak values", wv[1], wv[2] == keep, wv.str ~= nil, wv.num)

-- weak keys
local wk = setmetatable({}, {__mode = "k"})
local k1 = {}
wk[k1] = "kept"
wk[{}] = "dropped"
wk["s"] = "string key stays"
collectgarbage()
collectgarbage()
local n = 0
for k, v in pairs(wk) do n = n + 1 end
print("weak keys", n, wk[k1], wk.s)

-- fully weak
local wkv = setmetatable({}, {__mode = "kv"})
wkv[{}] = 1
wkv[1] = {}
wkv.x = k1
collectgarbage()
n = 0
for _ in pairs(wkv) do n = n + 1 end
print("weak kv", n, wkv.x == k1)

-- ephemeron: value refers to its key; entry is still collected
local eph = setmetatable({}, {__mode = "k"})
do
  local key = {}
  eph[key] = {ref = key}
end
collectgarbage()
collectgarbage()
print("ephemeron", next(eph))

-- functions and closures in weak tables
local wf = setmetatable({}, {__mode = "v"})
wf[1] = function() return k1 end
collectgarbage()
-- whether a non-referenced closure is collected is implementation-defined
-- only for closures without upvalues; this one has one, so it is a fresh object
print("weak closure collected", wf[1] == nil)

-- __gc finalizers: run on collection, in reverse order of marking
local order = {}
do
  for i = 1, 5 do
    setmetatable({}, {__gc = function() order[#order + 1] = i end})
  end
end
collectgarbage()
collectgarbage()
local s = ""
for i = 1, #order do s = s .. order[i] .. " " end
print("gc order", s)

-- __gc must be present when setmetatable is called to mark the object
local late = {}
local mtl = {}
setmetatable(late, mtl)
mtl.__gc = function() order[#order + 1] = "late" end
late = nil
local before = #order
collectgarbage()
print("__gc added later not called", #order == before)

-- __gc field may be any value; non-function is ignored
setmetatable({}, {__gc = true})
collectgarbage()
print("non-function __gc ignored")

-- resurrection: the finalizer can store the object; it is finalized once
local saved
do
  setmetatable({name = "res"}, {__gc = function(o) saved = o end})
end
collectgarbage()
print("resurrected", saved and saved.name)
saved = nil
collectgarbage()
print("still fine")

-- errors in __gc are turned into warnings, not raised
setmetatable({}, {__gc = function() error("in gc") end})
print("gc error not raised", pcall(collectgarbage))

-- objects with finalizers in weak tables: values removed before finalizer runs,
-- keys removed after
local wvals = setmetatable({}, {__mode = "v"})
local seen
do
  local o = setmetatable({}, {__gc = function(o2) seen = wvals[1] end})
  wvals[1] = o
end
collectgarbage()
print("weak value cleared before finalizer", seen)

-- finalizers run at state close for remaining objects: print from __gc at exit
-- (this is the last output of the script)
_G.exit_object = setmetatable({}, {__gc = function() print("finalizer at exit") end})
print("done 15_gc_weak")
