-- 49_package: require, package.loaded/preload/path/cpath/searchpath/searchers,
-- LUA_PATH handling, and the interpreter's -l/-E/-W options
-- Group B: standard library. Uses only the base library, io and package, so it
-- runs without string/table/os. Module files live in a fixed directory under
-- /tmp (made and removed with io.popen), so messages are the same in every run.
-- Error messages carry this script's path, which the runner passes the same way
-- to both interpreters.
print("== 49_package ==")

local dir = "/tmp/halo-compat-49"
local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  return out
end
sh("rm -rf " .. dir .. " && mkdir -p " .. dir .. "/sub/deeper " .. dir .. "/pkg")
local function write(path, text)
  local f = assert(io.open(dir .. "/" .. path, "w"))
  f:write(text)
  f:close()
end
local function E(label, f, ...)
  print(label, pcall(f, ...))
end

print("types", type(package.path), type(package.cpath), type(package.config),
  type(package.searchers), type(package.preload), type(package.loaded),
  type(package.searchpath), type(package.loadlib), type(require))
print("config", package.config)
print("searchers", #package.searchers, type(package.searchers[1]), type(package.searchers[2]),
  type(package.searchers[3]), type(package.searchers[4]), package.searchers[5])
print("loaded has libs", package.loaded._G == _G, package.loaded.package == package,
  package.loaded.io == io, package.loaded.coroutine == coroutine,
  package.loaded.string == string, package.loaded.table == table, package.loaded.math == math,
  package.loaded.os == os, package.loaded.utf8 == utf8)

-- fixed paths from here on: the defaults depend on how the reference
-- interpreter was built (LUA_PATH handling is checked at the end)
package.path = dir .. "/none/?.lua"
package.cpath = dir .. "/none/?.so"

-- preload
local calls = 0
package.preload["virtual.mod"] = function(name, extra, more)
  calls = calls + 1
  return {name = name, extra = extra, more = more}, "ignored second result"
end
local vm, extra = require("virtual.mod")
print("preload", vm.name, vm.extra, vm.more, extra, calls)
print("cached", require("virtual.mod") == vm, package.loaded["virtual.mod"] == vm, calls)
print("cached result count", select("#", require("virtual.mod")))

-- what a loader returns
package.preload.nothing = function() end
print("returns nothing", require("nothing"), package.loaded.nothing)
local fcalls = 0
package.preload.falsy = function() fcalls = fcalls + 1 return false end
print("returns false", require("falsy"), package.loaded.falsy, fcalls)
print("false is loaded again", require("falsy"), fcalls)
package.preload.selfset = function(name) package.loaded[name] = "self" end
print("sets package.loaded itself", require("selfset"))
package.preload.both = function(name) package.loaded[name] = "self" return "returned" end
print("returned value wins", require("both"))
package.preload["42"] = function(name) return "forty-two " .. name end
print("number name preload", require(42))
package.preload.errs = function() error("loader failed") end
E("loader error", require, "errs")
package.preload.errobj = function() error({code = 7}) end
local ok, e = pcall(require, "errobj")
print("loader error object", ok, type(e), e.code)
print("not cached after error", package.loaded.errs, package.loaded.errobj)

-- package.loaded and package.preload are the registry's tables: replacing the
-- fields does not change what require uses
local savedloaded, savedpreload = package.loaded, package.preload
package.loaded = {}
print("replaced loaded still caches", require("virtual.mod") == vm)
package.loaded = savedloaded
package.preload = {elsewhere = function() return "x" end}
E("replaced preload ignored", require, "elsewhere")
package.preload = savedpreload
package.loaded.fake = "fake value"
print("fake loaded", require("fake"))
package.loaded.fake = nil

-- file modules through package.path
write("mymod.lua", "local name, path = ... return {name = name, file = path, value = 42}")
write("sub/inner.lua", "return 'inner module ' .. select(1, ...) .. ' ' .. select(2, ...)")
write("sub/deeper/leaf.lua", "return {leaf = ...}")
write("pkg/init.lua", "return 'package init ' .. ...")
write("broken.lua", "return +")
write("erroring.lua", "error('module failed', 0)")
write("shebang.lua", "#!/usr/bin/env lua\nreturn 'shebang module'")
write("counter.lua", "COUNT = (COUNT or 0) + 1 return COUNT")
write("nothing.lua", "local x = 1")
write("alt_x.lua", "return 'alternative separator'")
write("cmod.so", "not a library")
write("noreturn.lua", "MODULE_RAN = true")
local saved, savedc = package.path, package.cpath
package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua"
package.cpath = dir .. "/?.so"
local m, data = require("mymod")
print("file module", m.name, m.value, m.file, data)
print("dotted name", require("sub.inner"))
print("deeper", require("sub.deeper.leaf").leaf)
print("init.lua", require("pkg"))
print("shebang skipped", require("shebang"))
print("runs once", require("counter"), require("counter"), COUNT)
print("module without result", require("noreturn"), MODULE_RAN)
E("syntax error module", require, "broken")
E("erroring module", require, "erroring")
print("erroring not cached", package.loaded.erroring)
E("missing module", require, "does_not_exist")
E("missing dotted module", require, "does.not.exist")
print("C module cannot load", (pcall(require, "cmod")))
package.path = dir .. "/alt_?.lua"
print("template", require("x"))
package.path = ""
E("empty path", require, "mymod2")
package.path = ";;"
E("empty templates", require, "mymod3")
package.path = 42
E("number path", require, "mymod4")
package.path = {}
E("path not a string", require, "mymod5")
package.path = saved
package.cpath = nil
E("cpath not a string", require, "mymod6")
package.cpath = savedc

-- searchpath
print("searchpath found", package.searchpath("mymod", dir .. "/?.lua"))
print("searchpath found second", package.searchpath("mymod", dir .. "/nope/?.lua;" .. dir .. "/?.lua"))
print("searchpath missing", package.searchpath("nomod", dir .. "/?.lua;" .. dir .. "/?.luac"))
print("searchpath sep", package.searchpath("a.b.c", dir .. "/?.x"))
print("searchpath found dotted", package.searchpath("sub.inner", dir .. "/?.lua"))
print("searchpath custom sep", package.searchpath("a_b", dir .. "/?.x", "_", "+"))
print("searchpath multichar sep", package.searchpath("a::b:c", dir .. "/?.x", "::", "/"))
print("searchpath rep", package.searchpath("a.b", dir .. "/?.x", ".", "REP"))
print("searchpath no sep", package.searchpath("a.b", dir .. "/?.x", ""))
print("searchpath several marks", package.searchpath("m", dir .. "/?/?.lua"))
print("searchpath empty path", package.searchpath("m", ""))
print("searchpath empty entries", package.searchpath("m", ";a;;b;"))
print("searchpath directory counts as readable", package.searchpath("sub", dir .. "/?"))
print("searchpath number args", package.searchpath(1, 2))
E("searchpath bad name", package.searchpath, nil, "x")
E("searchpath bad path", package.searchpath, "x")
E("searchpath both bad", package.searchpath, nil, nil)
E("searchpath bad sep", package.searchpath, "x", "y", {})
E("searchpath bad rep", package.searchpath, "x", "y", ".", {})

-- searchers
print("preload searcher", package.searchers[1]("virtual.mod") ~= nil, select(2, package.searchers[1]("virtual.mod")))
print("preload searcher miss", package.searchers[1]("zzz"))
print("lua searcher miss", package.searchers[2]("zzz"))
package.path = dir .. "/?.lua"
local loader, where = package.searchers[2]("mymod")
print("lua searcher hit", type(loader), where, loader("direct", "call").name)
E("lua searcher broken", package.searchers[2], "broken")
package.path = saved
package.cpath = dir .. "/?.so"
print("C searcher miss", package.searchers[3]("zzz"))
print("C searcher fails on a found file", (pcall(package.searchers[3], "cmod")))
print("Croot searcher root name", select("#", package.searchers[4]("zzz")))
print("Croot searcher miss", package.searchers[4]("zzz.sub"))
print("Croot searcher fails on a found file", (pcall(package.searchers[4], "cmod.sub")))
package.cpath = savedc
E("searcher bad arg", package.searchers[1])
E("searcher bad arg 2", package.searchers[2], {})

-- custom searchers
local ss = package.searchers
package.searchers = {ss[1], function(name)
  if name == "from.searcher" then
    return function(n, d) return "made by searcher: " .. n .. " " .. d end, "DATA"
  end
  return "\n\tno custom module '" .. name .. "'"
end, function(name) return 42 end, function(name) return {} end, function(name) end}
print("custom searcher", require("from.searcher"))
E("custom searcher messages", require, "nope.nope")
package.searchers = {}
E("no searchers", require, "zzz")
package.searchers = {function() return nil, "ignored" end}
E("searcher returning nil", require, "zzz")
package.searchers = {function(name) return function() return "second arg" end end}
print("loader without data", require("zzz2"))
package.searchers = nil
E("searchers not table", require, "zzz")
package.searchers = "x"
E("searchers a string", require, "zzz")
package.searchers = ss
E("require non-string", require, {})
E("require no arg", require)

-- loadlib: C libraries cannot be loaded here (the message depends on the build)
E("loadlib no args", package.loadlib)
E("loadlib one arg", package.loadlib, "x")
print("loadlib fails", (package.loadlib(dir .. "/cmod.so", "luaopen_cmod")))

-- the interpreter: LUA_PATH/LUA_CPATH (versioned first, ";;" is the default),
-- -E, -l, -W; arg[-1] is the interpreter running this script
local lua = arg and arg[-1]
if lua then
  local function run(env, opts)
    return sh(env .. " " .. lua .. " " .. opts .. " 2>&1")
  end
  local dflt = run("", "-E -e 'io.write(package.path)'")
  local cdflt = run("", "-E -e 'io.write(package.cpath)'")
  print("LUA_PATH", run("LUA_PATH='a;b'", "-e 'io.write(package.path)'"))
  print("LUA_PATH_5_4 first", run("LUA_PATH='a' LUA_PATH_5_4='v'", "-e 'io.write(package.path)'"))
  print("LUA_PATH ;; in the middle", run("LUA_PATH='x;;y'", "-e 'io.write(package.path)'") == "x;" .. dflt .. ";y")
  print("LUA_PATH ;; at start", run("LUA_PATH=';;y'", "-e 'io.write(package.path)'") == dflt .. ";y")
  print("LUA_PATH ;; at end", run("LUA_PATH='x;;'", "-e 'io.write(package.path)'") == "x;" .. dflt)
  print("LUA_PATH only ;;", run("LUA_PATH=';;'", "-e 'io.write(package.path)'") == dflt)
  print("LUA_PATH first ;; only", run("LUA_PATH='a;;b;;c'", "-e 'io.write(package.path)'") == "a;" .. dflt .. ";b;;c")
  print("LUA_CPATH", run("LUA_CPATH='c1;c2'", "-e 'io.write(package.cpath)'"))
  print("LUA_CPATH_5_4 ;;", run("LUA_CPATH_5_4='q;;'", "-e 'io.write(package.cpath)'") == "q;" .. cdflt)
  print("-E ignores LUA_PATH", run("LUA_PATH='a;b'", "-E -e 'io.write(package.path)'") == dflt)
  local p = "LUA_PATH='" .. dir .. "/?.lua'"
  print("-l", run(p, "-l mymod -e 'io.write(mymod.value)'"))
  print("-l g=mod", run(p, "-l g=mymod -e 'io.write(g.name, \" \", tostring(mymod))'"))
  print("-l dotted", run(p, "-l sub.inner -e 'io.write(_G[\"sub.inner\"])'"))
  print("-l order", run(p, "-e 'COUNT = 10' -l counter -e 'io.write(COUNT)'"))
  print("-W", run("", "-W -e 'warn(\"one\", \"two\")' -e 'warn(\"@off\")' -e 'warn(\"hidden\")'"))
  print("no -W", run("", "-e 'warn(\"hidden\")' -e 'io.write(\"ok\")'"))
  print("-W later", run("", "-e 'warn(\"hidden\")' -W -e 'warn(\"shown\")'"))
end

sh("rm -rf " .. dir)
print("removed", io.open(dir .. "/mymod.lua"))
print("done 49_package")
