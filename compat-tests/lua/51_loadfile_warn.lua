-- 51_loadfile_warn: loadfile, dofile (§6.1) and warn, including standard
-- input and the interpreter's warning output
-- Group B: standard library. Uses only the base library, coroutine and io, so it
-- runs without string/table/os. Temporary files have fixed names under /tmp and
-- are removed at the end. Error messages carry this script's path, which the
-- runner passes the same way to both interpreters.
print("== 51_loadfile_warn ==")

local name = "/tmp/halo-compat-51.lua"
local long = "/tmp/halo-compat-51-a-rather-long-file-name-for-chunk-ids-0123456789.lua"
local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
local function E(label, f, ...)
  print(label, pcall(f, ...))
end

-- loadfile
write(name, "local a = ... return (a or 0) + 1, x")
local f = loadfile(name)
print("loadfile", type(f), f(41))
x = "global x"
print("loadfile globals", f(1))
print("loadfile env", loadfile(name, "t", {x = "envx"})(1))
print("loadfile env bt", loadfile(name, "bt", {x = "envbt"})(2))
print("loadfile nil mode, env", loadfile(name, nil, {x = "nilmode"})(3))
E("loadfile nil env", loadfile(name, "t", nil), 1)
print("loadfile mode t", loadfile(name, "t")(0))
print("loadfile mode b", loadfile(name, "b"))
print("loadfile mode x", loadfile(name, "x"))
print("loadfile mode empty", loadfile(name, ""))
write(name, "y_from_file = 'set' return _ENV")
local env = {}
print("loadfile sets in env", loadfile(name, "t", env)() == env, env.y_from_file, y_from_file)
print("loadfile sets global", loadfile(name)() == _G, y_from_file)

-- first line skipped when it starts with '#'; BOM skipped
write(name, "#!/usr/bin/env lua\nreturn 'shebang skipped'")
print("shebang", loadfile(name)())
write(name, "# comment line\nerror('on line 2')")
E("shebang keeps line numbers", loadfile(name))
write(name, "#!only a comment")
print("only a comment", select("#", loadfile(name)()))
write(name, "\239\187\191return 'bom skipped'")
print("bom", loadfile(name)())
write(name, "\239\187\191#!bom then comment\nreturn 'both skipped'")
print("bom and shebang", loadfile(name)())
write(name, "  #not a comment")
print("# not first", loadfile(name))

-- load errors
write(name, "return +")
print("syntax", loadfile(name))
E("dofile syntax", dofile, name)
write(name, "x = ")
print("syntax eof", loadfile(name))
write(long, "return +")
print("long chunk name", loadfile(long))
write(long, "error('long')")
E("long chunk name runtime", dofile, long)
print("missing", loadfile(name .. ".missing"))
E("dofile missing", dofile, name .. ".missing")
print("directory", loadfile("/tmp"))
print("number name", loadfile(51))
E("loadfile bad name", loadfile, {})
E("loadfile bad mode", loadfile, name, {})
E("dofile bad name", dofile, {})

-- dofile
write(name, "local a = ... return 1, 2, a, select('#', ...)")
print("dofile results", dofile(name))
write(name, "error('in file')")
E("dofile runtime", dofile, name)
write(name, "error({code = 5})")
local ok, e = pcall(dofile, name)
print("dofile error object", ok, type(e), e.code)
write(name, "return")
print("dofile nothing", select("#", dofile(name)))
-- the chunk runs as a call that may yield
write(name, "local v = coroutine.yield('from file') return 'resumed with ' .. v")
local co = coroutine.wrap(function() return dofile(name) end)
print("dofile yields", co())
print("dofile resumed", co("value"))
write(name, "local n = 0 for i = 1, 10 do n = n + i end return n, ...")
print("loadfile in coroutine", coroutine.wrap(function(...) return loadfile(name)(...) end)("arg"))

-- standard input: loadfile() and dofile() read it, named "=stdin"; it shares
-- its buffer with io.read. arg[-1] is the interpreter running this script.
local lua = arg and arg[-1]
if lua then
  local function run(input, code)
    write(name, input)
    local p = assert(io.popen(lua .. " -e '" .. code .. "' < " .. name .. " 2>&1"))
    local out = p:read("a")
    p:close()
    return out
  end
  print("loadfile stdin", run("return 1 + 1, ...", "print(loadfile()(7))"))
  print("dofile stdin", run("print('from stdin')", "dofile()"))
  print("dofile stdin error", run("error('oops')", "print(pcall(dofile))"))
  print("loadfile stdin syntax", run("return +", "print(loadfile())"))
  print("loadfile nil name", run("return 'nil name'", "print(loadfile(nil)())"))
  print("stdin shared with io.read", run("first line\nreturn 'rest'", "io.read() print(loadfile()())"))
  print("stdin shebang", run("#!shebang\nreturn 'skipped'", "print(dofile())"))

  -- warn: off by default, "@on"/"@off" switch it, pieces are concatenated,
  -- unknown control messages are ignored, output goes to stderr
  print("warn", run("", 'warn("@on") warn("a ", "b ", "c") warn("@off") warn("hidden") ' ..
    'warn("@on") warn(1, 2.5) warn("@unknown") warn("@on", "x") warn("") io.stderr:write("end\\n")'))
  print("warn off by default", run("", 'warn("hidden") io.stderr:write("nothing\\n")'))
  print("warn control only alone", run("", 'warn("x", "@on") warn("shown")'))
end
E("warn no args", warn)
E("warn non-string", warn, {})
E("warn non-string later", warn, "a", {})
E("warn nil later", warn, "a", nil)
print("warn returns nothing", select("#", warn("@off")))

if os and os.remove then os.remove(name) os.remove(long) else
  local p = io.popen("rm -f " .. name .. " " .. long) p:close()
end
print("removed", io.open(name), io.open(long))
print("done 51_loadfile_warn")
