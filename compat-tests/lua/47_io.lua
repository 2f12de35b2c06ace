-- 47_io: the io library (§6.8): io functions, file methods, read formats, errors
-- Group B: standard library. Uses only the base library and io, so it runs
-- without string/table/os. Temporary files have fixed names under /tmp (the
-- output then never depends on os.tmpname()); they are removed at the end.
-- Error messages carry this script's path, which the runner passes the same
-- way to both interpreters.
print("== 47_io ==")

local name = "/tmp/halo-compat-47_io.txt"
local name2 = "/tmp/halo-compat-47_io-2.txt"
local missing = "/tmp/halo-compat-47_io-no/such/file"

local function remove(path)
  if os and os.remove then os.remove(path) return end
  local p = io.popen("rm -f '" .. path .. "'")
  p:close()
end

local function write(path, ...)
  local f = assert(io.open(path, "w"))
  f:write(...)
  assert(f:close())
end

-- pcall a function and print everything it returned
local function E(label, f, ...)
  print(label, pcall(f, ...))
end

-- io.type, tostring, metatable
local f = assert(io.open(name, "w"))
print("io.type", io.type(f), io.type(42), io.type(nil), io.type({}), io.type(io.stdout))
E("io.type no arg", io.type)
local mt = getmetatable(f)
print("mt", type(mt), mt.__name, type(mt.__index), type(mt.__gc), type(mt.__close), type(mt.__tostring))
print("methods", type(mt.__index.close), type(mt.__index.flush), type(mt.__index.lines),
  type(mt.__index.read), type(mt.__index.seek), type(mt.__index.setvbuf), type(mt.__index.write))
print("tostring open", tostring(f) ~= "file (closed)", mt.__tostring(f) == tostring(f))
E("__tostring non-file", mt.__tostring, {})
E("__gc non-file", mt.__gc, 1)
E("method on non-file", mt.__index.read, "x")

-- write: strings and numbers (integers as %d, floats as %.14g: no ".0")
print("write returns file", f:write("line1\n", 42, " ", 3.5, "\n") == f)
print("write chain", f:write("a"):write("b"):write("\n") == f)
f:write(1.0, " ", -0.0, " ", 1e100, " ", 2^63, " ", 1/0, " ", -1/0, " ", 1e-300, " ", 0.1, "\n")
f:write(123456789012345678, " ", -9223372036854775807 - 1, " ", 100 // 7, " ", 7 / 2, "\n")
E("write bad arg", function() return f:write("ok", {}) end)
E("write bad arg dot-call", f.write, f, "ok", nil)
print("close", f:close())
print("io.type closed", io.type(f), tostring(f))
E("write closed", function() return f:write("x") end)
E("read closed", function() return f:read() end)
E("lines closed", function() return f:lines() end)
E("seek closed", function() return f:seek() end)
E("flush closed", function() return f:flush() end)
E("setvbuf closed", function() return f:setvbuf("no") end)
E("close closed", function() return f:close() end)
E("__gc closed is fine", mt.__gc, f)
for l in io.lines(name) do print("written:", l) end

-- permissions: writing a read-only file, reading a write-only one
f = assert(io.open(name, "r"))
print("write on r", f:write("x"))
f:close()
f = assert(io.open(name, "a"))
print("read on a", f:read("l"))
print("read on a, a", f:read("a"))
f:close()

-- read formats
write(name, "first line\nsecond line\n  12 0x1F -7.5 1e2 nan\nlast line without newline")
f = assert(io.open(name, "r"))
print("read default", f:read())
print("read L", f:read("L"))
print("read n", f:read("n"))
print("read n n n n", f:read("n", "n", "n", "n"))
print("read n fail", f:read("n"))
print("read after fail", f:read("l"))
print("read a", f:read("a"))
print("read at eof l", f:read("l"))
print("read at eof L", f:read("L"))
print("read at eof a", f:read("a"))
print("read at eof a a", f:read("a", "a"))
print("read at eof n", f:read("n"))
print("read at eof 0", f:read(0))
print("read at eof 5", f:read(5))
print("read at eof l a", f:read("l", "a"))
f:close()

-- counts and old-style formats
f = assert(io.open(name, "rb"))
print("read 5", f:read(5))
print("read 0", f:read(0))
print("read 3 2", f:read(3, 2))
print("read 2.0", f:read(2.0))
print("read *l", f:read("*l"))
print("read *n", f:read("*n"))
print("read *L", f:read("*L"))
print("read line-ish", f:read("lx"), f:read("*nothing"))
print("read count at eof", f:read(1000))
f:seek("set")
print("read big count", #f:read(1000))
print("read count at eof", f:read(1))
print("read *a", f:read("*a"))
f:close()
f = assert(io.open(name))
E("read bad format", function() return f:read("x") end)
E("read empty format", function() return f:read("") end)
E("read table format", function() return f:read({}) end)
E("read float count", function() return f:read(1.5) end)
E("read bad later format", function() return f:read("l", "l", "?") end)
print("consumed before the bad format", f:read("l"))
E("read dot-call no self", f.read)
E("read dot-call bad self", f.read, 1)
f:close()

-- lines ending in \r\n keep the \r; empty lines
write(name, "a\r\n\n\nb")
f = assert(io.open(name))
print("crlf", f:read("l") == "a\r", f:read("l") == "", f:read("L") == "\n", f:read("l"), f:read("l"))
f:close()

-- numbers: liolib's read_number accepts the longest numeral prefix
local function readnums(text, n)
  write(name, text)
  local f = assert(io.open(name))
  local r = {}
  for i = 1, n do r[i] = f:read("n") end
  local rest = f:read("a")
  f:close()
  print("numbers [" .. text .. "]", r[1], r[2], r[3], r[4], r[5], r[6], "rest [" .. rest .. "]")
end
readnums("0x10 -0x1p4 .5 5. 1e 3", 6)
readnums("  +12  -0  0X1P-2  1.5e3x", 5)
readnums("00012 1.2.3", 3)
readnums("0x", 1)
readnums("1e+", 1)
readnums("--1", 1)
readnums("- 1", 1)
readnums("inf", 1)
readnums("0xG", 1)
readnums("9223372036854775807 9223372036854775808 -9223372036854775808", 3)
readnums("0xffffffffffffffff 1e400", 2)
readnums("\t\v\f\r\n 7", 1)
readnums("1.5E+2 2e-1 .e1", 3)
readnums(". 1", 2)
-- a numeral longer than 200 characters fails (and is consumed up to the limit)
local long = "1"
for i = 1, 210 do long = long .. "0" end
write(name, long .. " 5")
f = assert(io.open(name))
print("long numeral", f:read("n"))
print("after long numeral", #f:read("a"))
f:close()
long = "0."
for i = 1, 197 do long = long .. "0" end
write(name, long .. "1 5")
f = assert(io.open(name))
print("200-char numeral", f:read("n"), f:read("n"))
f:close()

-- a larger file through the buffer
local big = "0123456789abcdef"
for i = 1, 13 do big = big .. big end -- 128 KiB
write(name, big, "\n", big, "tail")
f = assert(io.open(name))
print("big line", #f:read("l"))
print("big count", #f:read(70000))
print("big rest", #f:read("a"))
print("big seek", f:seek("set", 131070), f:read(4), f:seek())
f:close()

-- seek
write(name, "line1\nline2\nline3 no newline at end")
f = assert(io.open(name, "r"))
print("seek default", f:seek())
print("seek set 6", f:seek("set", 6), f:read("l"))
print("seek cur -3", f:seek("cur", -3), f:read(2))
print("seek cur", f:seek("cur"), f:seek("cur", 0), f:seek("cur", 1), f:read(1))
local size = f:seek("end")
print("seek end", size, f:read(1))
print("seek end -4", f:seek("end", -4), f:read("a"))
print("seek set default offset", f:seek("set"), f:read(5))
print("seek past end", f:seek("set", 1000), f:read(1), f:read(0))
E("seek bad whence", function() return f:seek("nowhere") end)
E("seek number whence", function() return f:seek(1) end)
E("seek bad offset", function() return f:seek("set", 1.5) end)
E("seek string offset", function() return f:seek("set", "x") end)
print("seek negative", f:seek("set", -1))
print("seek cur negative", f:seek("cur", -10000))
print("seek still works", f:seek("set", 2), f:read(3))
f:close()

-- lines
local count = 0
for l in io.lines(name) do count = count + 1 end
print("io.lines count", count)
for a, b in io.lines(name, 1, "l") do print("lines multi", a, b) break end
for l in io.lines(name, "L") do io.write("lines L: ", l) break end
for n in io.lines(name, 3) do print("lines count chunks", n) break end
for a, b, c in io.lines(name, "n", "l", "l") do print("lines n on text", a, b, c) end
print("io.lines results", select("#", io.lines(name)), io.type(select(4, io.lines(name))))
do
  -- the 4th result is the loop's to-be-closed value
  local it, s, c, fh = io.lines(name)
  print("before close", io.type(fh), it())
  do local x <close> = fh end
  print("after close", io.type(fh))
  E("iterate closed", it)
end
do
  -- exhausting io.lines closes its file
  local it, s, c, fh = io.lines(name)
  while it() do end
  print("exhausted", io.type(fh))
  E("iterate after end", it)
end
f = assert(io.open(name))
local n = 0
for l in f:lines() do n = n + 1 end
print("file:lines", n, "still open", io.type(f))
print("file:lines at eof", f:lines()())
f:seek("set")
for a, b in f:lines(2, "n") do print("file:lines formats", a, b) break end
f:close()
E("file:lines closed", function() for l in f:lines() do end end)
f = assert(io.open(name))
local it = f:lines()
f:close()
E("iterator of closed file", it)
E("io.lines missing", function() return io.lines(missing) end)
E("io.lines bad name", function() return io.lines({}) end)
E("io.lines bad format", function() for l in io.lines(name, "x") do end end)
E("file:lines bad format", function() local g <close> = io.open(name) for l in g:lines("x") do end end)
local function rep(k, ...) if k == 0 then return ... end return rep(k - 1, "l", ...) end
E("io.lines too many formats", function() return io.lines(name, rep(251)) end)
E("file:lines too many formats", function() local g <close> = io.open(name) return g:lines(rep(251)) end)
print("io.lines 250 formats", select("#", io.lines(name, rep(250))))

-- append and update modes
write(name, "0123456789")
f = assert(io.open(name, "a"))
f:write("\nappended")
f:close()
f = assert(io.open(name, "r+"))
f:write("AB")
f:seek("set", 0)
print("r+ overwrote", f:read("l"))
f:seek("set", 4)
f:write("xy")
print("r+ write then seek cur", f:seek("cur"), f:read("l"))
f:close()
local last
for l in io.lines(name) do last = l end
print("append", last)
f = assert(io.open(name, "w+"))
f:write("fresh")
f:seek("set")
print("w+", f:read("a"))
f:close()
f = assert(io.open(name, "a+"))
f:write(" more")
f:seek("set")
print("a+", f:read("a"))
f:seek("set")
f:write("!")
f:seek("set")
print("a+ writes at end", f:read("a"))
f:close()
f = assert(io.open(name, "r"))
f:read(2)
print("read then close", f:close())

-- open modes and errors
print("open missing", io.open(missing, "r"))
print("open missing default mode", io.open(missing))
print("open dir for writing", io.open("/tmp", "w"))
E("open bad mode", io.open, name, "z")
E("open bad mode rw", io.open, name, "rw")
E("open bad mode rb+", io.open, name, "rb+")
E("open bad mode empty", io.open, name, "")
E("open bad mode r+x", io.open, name, "r+x")
E("open no name", function() return io.open() end)
E("open table mode", function() return io.open(name, {}) end)
for _, m in ipairs({"r", "rb", "r+", "r+b", "rbb", "w", "wb", "w+", "w+b", "a", "ab", "a+", "a+b"}) do
  local h = io.open(name, m)
  print("open mode " .. m, io.type(h))
  h:close()
end
f = assert(io.open("/tmp"))
print("read a directory", f:read("a"))
print("read l directory", f:read("l"))
f:close()

-- setvbuf and flush
f = assert(io.open(name, "w"))
print("setvbuf", f:setvbuf("no"), f:setvbuf("full", 1024), f:setvbuf("line"), f:setvbuf("full"))
E("setvbuf bad", function() return f:setvbuf("bad") end)
E("setvbuf missing", function() return f:setvbuf() end)
E("setvbuf bad size", function() return f:setvbuf("full", "x") end)
print("flush", f:flush())
f:setvbuf("no")
f:write("unbuffered")
local g = assert(io.open(name))
print("unbuffered visible", g:read("a"))
f:setvbuf("line")
f:write(" line1\npartial")
print("line mode visible", g:read("a"))
f:close()
g:close()
-- (a fresh file: glibc keeps a 1-byte buffer once a stream was unbuffered)
f = assert(io.open(name, "w"))
g = assert(io.open(name))
f:setvbuf("full", 4096)
f:write("full")
print("full mode not yet", g:read("a"))
f:flush()
print("after flush", g:read("a"))
f:write(" more")
print("close flushes", f:close(), g:read("a"))
g:close()

-- default input/output
print("io.output is stdout", io.output() == io.stdout, io.input() == io.stdin)
print("io.output set by name", io.type(io.output(name)), io.output() ~= io.stdout)
io.write("via default output\n", 1, " ", 2.5, "\n")
print("io.flush", io.flush())
print("io.close default", io.close())
E("io.write closed default", io.write, "x")
E("io.flush closed default", io.flush)
E("io.close closed default", io.close)
print("io.output back", io.output(io.stdout) == io.stdout)
print("io.input set by name", io.type(io.input(name)))
print("io.read", io.read("l"), io.read("n", "n"))
print("io.read at eof", io.read(), io.read("a"))
print("io.lines default", io.lines()())
local inp = io.input()
print("io.close input", io.close(io.input()))
E("io.read closed default", io.read)
E("io.lines closed default", io.lines)
E("io.input closed file", io.input, inp)
E("io.input bad", io.input, {})
E("io.input missing", io.input, missing)
E("io.output missing", io.output, missing)
print("io.input back", io.input(io.stdin) == io.stdin)
io.input(name)
print("io.lines default formats")
for a, b in io.lines(nil, "l", "n") do print("", a, b) end
print("default input still open", io.type(io.input()))
io.close(io.input())
io.input(io.stdin)
print("io.write returns", io.write("") == io.stdout)
E("io.write bad", function() return io.write(1, {}) end)
E("io.read bad", function() return io.read("x") end)
E("io.close nil", function() return io.close(nil) end)

-- standard files
print("std types", io.type(io.stdin), io.type(io.stdout), io.type(io.stderr))
print("close std", io.stdout:close())
print("close std", io.close(io.stderr))
print("still open", io.type(io.stdout), io.type(io.stderr))
print("stderr write", io.stderr:write("") == io.stderr)
print("stdout write", io.stdout:write("to stdout\n") == io.stdout)
print("stdout read", io.stdout:read())
print("stdin write", io.stdin:write("x"))
print("stdout setvbuf", io.stdout:setvbuf("no"), io.stdout:setvbuf("full"), io.stdout:flush())
-- print and io.write share one buffer: order is kept
io.write("A")
print("B")
io.write("C\n")
io.stdout:write("D")
print("E")

-- tmpfile
local tf = io.tmpfile()
print("tmpfile", io.type(tf))
tf:write("temp", 1, "\n", "more")
tf:seek("set")
print("tmpfile read", tf:read("l"), tf:read("a"))
print("tmpfile seek", tf:seek("end"))
tf:close()

-- popen
local p = io.popen("echo hello; echo world")
print("popen read", p:read("l"), p:read("a"))
print("popen close", p:close())
p = io.popen("exit 3")
print("popen exit code", p:close())
p = io.popen("kill -9 $$")
print("popen signal", p:close())
p = io.popen("cat > " .. name2, "w")
print("popen write", p:write("via popen ", 42, "\n") == p)
print("popen write read", p:read("a"))
print("popen write seek", p:seek())
print("popen w close", p:close())
print("popen wrote", io.open(name2):read("a"))
p = io.popen("printf 'a\\nb'", "r")
print("popen read write", p:write("x"))
for l in p:lines() do print("popen line", l) end
print("popen close after lines", p:close())
p = io.popen("true")
print("popen tostring", tostring(p) ~= "file (closed)", io.type(p))
p:close()
print("popen closed", io.type(p), tostring(p))
E("popen bad mode", io.popen, "true", "rw")
E("popen bad mode 2", io.popen, "true", "rb")
E("popen no command", function() return io.popen() end)
for l in io.lines(name2) do print("lines of popen output", l) end

-- a file left open is closed (and flushed) when collected
do
  local h = io.open(name, "w")
  h:write("flushed by collection")
end
collectgarbage()
collectgarbage()
print("collected", io.open(name):read("a"))

remove(name)
remove(name2)
print("removed", io.open(name), io.open(name2))
print("done 47_io")
