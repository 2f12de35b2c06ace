-- 47_io: the io library on a temporary file
-- Group B: standard library.
print("== 47_io ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named
local function E(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (r[i]:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end


-- io messages contain the temporary file name; replace it
local name = os.tmpname()
local function clean(v)
  if type(v) == "string" then
    local i, j = v:find(name, 1, true)
    if i then v = v:sub(1, i - 1) .. "TMP" .. v:sub(j + 1) end
  end
  return v
end
local function C(label, ...)
  local r = table.pack(...)
  for i = 1, r.n do r[i] = clean(r[i]) end
  print(label, table.unpack(r, 1, r.n))
end
E = function(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (clean(r[i]):gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end

-- write
local f = assert(io.open(name, "w"))
print("io.type open", io.type(f), io.type(42), io.type(io.stdout))
print("write returns file", f:write("line1\n", 42, " ", 3.5, "\n") == f)
f:write("line3 no newline at first\n", "12 0x1F -7.5 1e2 nan\n", "last line without newline")
print("close", f:close())
print("io.type closed", io.type(f))
C("tostring closed", tostring(f))
E("write to closed", function() return f:write("x") end)
E("read closed", function() return f:read() end)
E("close closed", function() return f:close() end)

-- read formats
f = assert(io.open(name, "r"))
print("read l", f:read("l"))
print("read L", f:read("L"))
print("read n", f:read("n"))
print("read l rest", f:read("l"))
print("read n n n n", f:read("n", "n", "n", "n"))
print("read n fail", f:read("n"))
print("read after fail", f:read("l"))
print("read a", f:read("a"))
print("read at eof l", f:read("l"))
print("read at eof a", f:read("a"))
print("read at eof n", f:read("n"))
print("read at eof 0", f:read(0))
f:close()

-- read with counts
f = assert(io.open(name, "rb"))
print("read 5", f:read(5))
print("read 0", f:read(0))
print("read 3 2", f:read(3, 2))
print("read *l compat", f:read("*l"))
print("read big count", #f:read(1000))
print("read count at eof", f:read(1))
f:close()

-- seek
f = assert(io.open(name, "r"))
print("seek cur", f:seek())
print("seek set 6", f:seek("set", 6), f:read("l"))
print("seek cur -3", f:seek("cur", -3), f:read(2))
local size = f:seek("end")
print("seek end", size, f:read(1))
print("seek end -4", f:seek("end", -4), f:read("a"))
E("seek bad whence", function() return f:seek("nowhere") end)
E("seek bad offset", function() return f:seek("set", 1.5) end)
local ok, msg, code = f:seek("set", -1)
print("seek negative", ok, type(msg), math.type(code))
f:close()

-- lines
local count = 0
for l in io.lines(name) do count = count + 1 end
print("io.lines count", count)
for a, b in io.lines(name, 1, "l") do print("lines multi", a, b) break end
for l in io.lines(name, "L") do io.write("lines L: ", l) break end
for n in io.lines(name, 3) do print("lines count chunks", n) break end
f = assert(io.open(name))
local ls = {}
for l in f:lines() do ls[#ls + 1] = l end
print("file:lines", #ls, ls[1], ls[#ls])
print("file still open", io.type(f))
f:close()
E("lines closed file", function() for l in f:lines() do end end)
E("io.lines missing", function() return io.lines(name .. ".missing") end)
E("io.lines bad format", function() for l in io.lines(name, "x") do end end)

-- append and update modes
f = assert(io.open(name, "a"))
f:write("\nappended")
f:close()
f = assert(io.open(name, "r+"))
f:write("LINE1")
f:seek("set", 0)
print("r+ overwrote", f:read("l"))
f:close()
local last
for l in io.lines(name) do last = l end
print("append", last)
f = assert(io.open(name, "w+"))
f:write("fresh")
f:seek("set")
print("w+", f:read("a"))
f:close()

-- open errors
local nf, nmsg, ncode = io.open(name .. ".does/not/exist", "r")
C("open missing", nf, nmsg, math.type(ncode))
E("open bad mode", io.open, name, "z")
E("open bad mode 2", io.open, name, "rw")
print("open mode r+b ok", io.type(io.open(name, "r+b")))
E("open mode rb+ invalid", io.open, name, "rb+")

-- setvbuf and flush
f = assert(io.open(name, "w"))
print("setvbuf", f:setvbuf("no"), f:setvbuf("full", 1024), f:setvbuf("line"))
E("setvbuf bad", function() return f:setvbuf("bad") end)
print("flush", f:flush())
f:close()

-- default input/output
local out = io.output()
print("io.output is stdout", io.output() == io.stdout, io.type(out))
io.output(name)
io.write("via default output\n", 1, "\n")
io.close()
io.output(io.stdout)
io.input(name)
print("io.read", io.read("l"), io.read("n"))
io.close(io.input())
io.input(io.stdin)
E("io.read after close is on stdin now", function() return io.type(io.input()) end)
print("io.write returns", io.write("") == io.stdout)

-- read numbers in various formats
f = assert(io.open(name, "w"))
f:write("0x10 -0x1p4 .5 5. 1e 3")
f:close()
f = assert(io.open(name))
print("numbers", f:read("n", "n", "n", "n"))
print("bad number", f:read("n"))
f:close()

-- file handle methods via metatable and tostring form
f = assert(io.open(name))
local mt = getmetatable(f)
print("file mt", type(mt), type(mt.__index), mt.__name)
print("tostring file prefix", tostring(f):sub(1, 6))
f:close()
print("tostring closed", tostring(f))

-- io.popen may not be available everywhere: only existence
print("popen type", type(io.popen))
-- tmpfile
local tf = io.tmpfile()
tf:write("temp")
tf:seek("set")
print("tmpfile", tf:read("a"))
tf:close()

-- std handles
print("std types", io.type(io.stdin), io.type(io.stdout), io.type(io.stderr))
os.remove(name)
print("done 47_io")
