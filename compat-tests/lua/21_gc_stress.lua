-- 21_gc_stress: ephemeron chains, weak caches under incremental collection, many finalizers,
-- keys resurrected by finalizers. Group A: core language only.
print("== 21_gc_stress ==")
-- ephemeron chain: k1 -> v1 contains k2 ...
local e = setmetatable({}, {__mode="k"})
local keys = {}
for i=1,100 do keys[i] = {} end
for i=1,99 do e[keys[i]] = {next = keys[i+1]} end
local root = keys[1]
for i=2,100 do keys[i] = nil end
collectgarbage()
local n=0 for k,v in pairs(e) do n=n+1 end
print("chain alive", n)
root = nil keys = nil
collectgarbage()
n=0 for k,v in pairs(e) do n=n+1 end
print("chain dead", n)
-- incremental churn with weak tables
local cache = setmetatable({}, {__mode="v"})
local live = {}
for i=1,200000 do
  local t = {i}
  cache[i % 5000] = t
  if i % 7 == 0 then live[#live+1] = t end
  local s = "k" .. i
  cache[s] = (i % 3 == 0) and t or s
end
local cnt=0 for k,v in pairs(cache) do cnt=cnt+1; assert(type(v)=="table" or type(v)=="string") end
print("churn ok", #live, cnt > 0)
for i = 1, #live do assert(live[i][1] % 7 == 0) end
-- finalizers with many objects under incremental gc
local fin = 0
for i=1,20000 do setmetatable({}, {__gc=function() fin = fin + 1 end}) end
collectgarbage() collectgarbage()
print("finalized", fin)
-- weak keys with resurrection via finalizer
local wk = setmetatable({}, {__mode="k"})
local res
do local o = setmetatable({}, {__gc=function(o) res = o end}); wk[o] = "val" end
collectgarbage()
print("resurrected key still in weak table", res ~= nil and wk[res])
collectgarbage()
print("after second cycle", res ~= nil and wk[res])
