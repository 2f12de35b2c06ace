-- 50_base_misc: load modes,
-- collectgarbage options, select/varargs with library functions, print/tostring
-- Group B: standard library.
print("== 50_base_misc ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named
local function E(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (r[i]:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end


local name = os.tmpname()
local function clean(v)
  if type(v) ~= "string" then return v end
  local a, b = v:find(name, 1, true)
  while a do v = v:sub(1, a - 1) .. "TMP" .. v:sub(b + 1); a, b = v:find(name, 1, true) end
  return v
end
local function C(label, ...)
  local r = table.pack(...)
  for i = 1, r.n do r[i] = clean(r[i]) end
  print(label, table.unpack(r, 1, r.n))
end
local function write(text) local f = assert(io.open(name, "w")) f:write(text) f:close() end

-- (loadfile, dofile and warn are covered by 51_loadfile_warn, which needs no
-- string library)
local f

-- binary chunks (string.dump, load mode "b") are a deliberate difference:
-- Halo has no bytecode format to dump (docs/COMPAT.md); stdlib/tests/binary_chunks.rs
-- checks Halo's errors instead.
print("load text in b mode", load("return 1", "t", "b"))

-- collectgarbage options: only types of results
print("count", math.type(collectgarbage("count")))
print("collect", collectgarbage("collect"))
print("step", type(collectgarbage("step", 0)))
print("isrunning", collectgarbage("isrunning"))
collectgarbage("stop")
print("stopped", collectgarbage("isrunning"))
-- a stopped collector leaves garbage alone until asked
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = true
for i = 1, 200000 do local t = {i} end
print("stopped keeps garbage", next(weak) ~= nil)
collectgarbage("restart")
print("restarted", collectgarbage("isrunning"))
collectgarbage()
print("collected after restart", next(weak) == nil)
print("incremental", collectgarbage("incremental"))
print("generational", collectgarbage("generational"))
print("back to incremental", collectgarbage("incremental"))
print("setpause type", math.type(collectgarbage("setpause", 200)))
print("setstepmul type", math.type(collectgarbage("setstepmul", 100)))
E("collectgarbage bad option", collectgarbage, "bogus")

-- select and varargs with library functions
print("select with string.byte", select("#", string.byte("abcdef", 1, -1)))
print("select -2", select(-2, string.byte("abc", 1, 3)))
print("table.pack of gsub", table.pack(("aaa"):gsub("a", "b")).n)
print("math.max over unpack", math.max(table.unpack({3, 9, 2})))
print("string.format varargs", string.format(string.rep("%d", 5, ","), table.unpack({1, 2, 3, 4, 5})))
print("truncated in middle", string.byte("ab", 1, 2), "end")

-- print calls tostring (including __tostring and __name)
local obj = setmetatable({}, {__tostring = function() return "OBJ" end})
print("print obj", obj, nil, false, 1.5)
print("print no args follows")
print()
E("print bad __tostring", print, setmetatable({}, {__tostring = function() return nil end}))

-- tostring/tonumber through library
print("tostring int/float", tostring(10), tostring(10.0), tostring(-0.0))
print("tonumber bases", tonumber("z", 36), tonumber("-ff", 16), tonumber("1e1", 10), tonumber("7", 8))

-- _VERSION and debug.traceback existence
print("_VERSION", _VERSION)
print("debug.traceback exists", type(debug.traceback))

-- ipairs/pairs on library tables are ordinary
local n = 0
for k, v in pairs(string) do n = n + 1 end
print("string lib has functions", n >= 17)
local names = {}
for k in pairs(table) do names[#names + 1] = k end
table.sort(names)
print("table library", table.concat(names, " "))
names = {}
for k in pairs(coroutine) do names[#names + 1] = k end
table.sort(names)
print("coroutine library", table.concat(names, " "))
names = {}
for k in pairs(utf8) do names[#names + 1] = k end
table.sort(names)
print("utf8 library", table.concat(names, " "))
-- the math table may hold extra 5.3-compatibility functions depending on the
-- build; check only the 5.4 set
local missing = {}
for _, k in ipairs({"abs", "acos", "asin", "atan", "ceil", "cos", "deg", "exp", "floor", "fmod",
  "huge", "log", "max", "maxinteger", "min", "mininteger", "modf", "pi", "rad", "random",
  "randomseed", "sin", "sqrt", "tan", "tointeger", "type", "ult"}) do
  if math[k] == nil then missing[#missing + 1] = k end
end
print("math library complete", #missing == 0, table.concat(missing, " "))
names = {}
for k in pairs(string) do names[#names + 1] = k end
table.sort(names)
print("string library", table.concat(names, " "))
os.remove(name)
print("done 50_base_misc")
