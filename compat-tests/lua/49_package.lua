-- 49_package: require, package.loaded/preload/path/searchpath/searchers
-- Group B: standard library.
print("== 49_package ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named
local function E(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (r[i]:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end


-- use a private temp directory for module files
local base = os.tmpname()
os.remove(base)
local dir = base .. "_mods"
local function clean(v)
  if type(v) ~= "string" then return v end
  local out, i = "", 1
  while true do
    local a, b = v:find(dir, i, true)
    if not a then break end
    out = out .. v:sub(i, a - 1) .. "DIR"
    i = b + 1
  end
  return out .. v:sub(i)
end
-- no lfs: create the directory through a file name prefix instead
local prefix = base .. "_"
local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
local function P(label, ...)
  local r = table.pack(...)
  for i = 1, r.n do r[i] = (tostring(r[i]):gsub(prefix:gsub("%p", "%%%0"), "PFX_")) end
  print(label, table.unpack(r, 1, r.n))
end

print("types", type(package.path), type(package.cpath), type(package.config), type(package.searchers), type(package.preload))
print("config first line", package.config:sub(1, 1))
print("searchers", #package.searchers)
print("loaded has libs", package.loaded.string == string, package.loaded._G == _G, package.loaded.package == package)

-- preload
package.preload["virtual.mod"] = function(name, extra)
  return {name = name, extra = extra}
end
local vm, extra = require("virtual.mod")
print("preload", vm.name, vm.extra, extra)
print("cached", require("virtual.mod") == vm, package.loaded["virtual.mod"] == vm)

-- module returning nothing stores true
package.preload.nothing = function() end
print("returns nothing", require("nothing"), package.loaded.nothing)
-- module returning false
package.preload.falsy = function() return false end
print("returns false", require("falsy"), package.loaded.falsy)
-- module that sets package.loaded itself
package.preload.selfset = function(name) package.loaded[name] = "self" end
print("self set", require("selfset"))

-- require a file module through package.path
write(prefix .. "mymod.lua", "local name, path = ... return {name = name, file = path, value = 42}")
write(prefix .. "sub_inner.lua", "return 'inner module ' .. select(1, ...)")
write(prefix .. "broken.lua", "return +")
write(prefix .. "erroring.lua", "error('module failed', 0)")
local saved = package.path
package.path = prefix .. "?.lua;" .. prefix .. "?/init.lua"
local m, loaderdata = require("mymod")
P("file module", m.name, m.value, m.file == prefix .. "mymod.lua", loaderdata == prefix .. "mymod.lua")
-- dots become directory separators; here we use '_' with a custom path template
package.path = prefix .. "sub_?.lua"
P("templated", require("inner"))
local savedc = package.cpath
package.cpath = prefix .. "?.so"
package.path = prefix .. "?.lua"
local ok, err = pcall(require, "broken")
P("syntax error module", ok, err)
ok, err = pcall(require, "erroring")
P("erroring module", ok, err)
ok, err = pcall(require, "does_not_exist")
P("missing module", ok, err)
package.path = saved
package.cpath = savedc

-- searchpath
P("searchpath found", package.searchpath("mymod", prefix .. "?.lua"))
P("searchpath missing", package.searchpath("nomod", prefix .. "?.lua;" .. prefix .. "?.luac"))
P("searchpath sep", package.searchpath("a.b.c", prefix .. "?.x"))
P("searchpath custom sep", package.searchpath("a_b", prefix .. "?.x", "_", "+"))
P("searchpath no sep", package.searchpath("a.b", prefix .. "?.x", ""))
E("require non-string", require, {})
E("searchpath bad", package.searchpath, nil, "x")

-- custom searcher
table.insert(package.searchers, 2, function(name)
  if name == "from.searcher" then
    return function(n, data) return "made by searcher: " .. n .. " " .. data end, "DATA"
  end
  return "\n\tno custom module '" .. name .. "'"
end)
print("custom searcher", require("from.searcher"))
ok, err = pcall(require, "nope.nope")
print("custom searcher message contains text", err:find("no custom module 'nope.nope'", 1, true) ~= nil)
table.remove(package.searchers, 2)
-- package.searchers must be a table
local ss = package.searchers
package.searchers = nil
E("searchers not table", require, "zzz")
package.searchers = ss

-- loaded can be manipulated
package.loaded.fake = "fake value"
print("fake loaded", require("fake"))
package.loaded.fake = nil

-- loadlib exists
print("loadlib", type(package.loadlib))
for _, f in ipairs({"mymod.lua", "sub_inner.lua", "broken.lua", "erroring.lua"}) do os.remove(prefix .. f) end
print("done 49_package")
