-- 20_load: load with strings and reader functions, chunk names, modes,
-- environments, syntax error messages
-- Group A: core language only.
print("== 20_load ==")

-- load a string
local f = load("return 1 + 2")
print("load string", f())
print("load with args", load("local a, b = ... return a * b")(6, 7))
-- load returns nil plus message on syntax error
local function syn(src, name)
  local fn, msg = load(src, name)
  print("syntax", fn, msg)
end
syn("return +")
syn("x = = 1")
syn("local 1 = 2")
syn("return 1 +* 2")
syn("if x then")
syn("for i = 1 do end")
syn("function f( return end")
syn("x = }")
syn("return 'unclosed")
syn("return [==[ unclosed")
syn("x = 1 y")
syn("local t = {1, 2")
syn("f(")
syn("return 1 2")
syn("a.b:c = 1")
syn("local function end")
syn("return ... ...")
syn("::lbl:: ::lbl::")
syn("goto missing")
syn("local x <const> = 1; x = 2")
syn("(f)")
syn("a, b")
syn("x = 1\ny = \n\n= 3")
syn("return 0x", "=hex")
syn("return 1..2", "=dots")
print("empty chunk compiles", type(load("", "=empty")))
syn("return \"\\300\"", "=esc")
syn("\n\n\nreturn +", "=line4")
syn("return +", "@named.lua")
syn("return +", "a chunk called by its source text")
syn("return +\n-- second line", "first line\nsecond line")
syn("return +", "a very long chunk name that should be truncated by the implementation because it is longer than the limit of what is shown in a message")
-- maximum nesting / too many locals are implementation limits: check only failure
local many = "local a1"
for i = 2, 250 do many = many .. ", a" .. i end
local fmany = load(many .. " = 1")
print("250 locals is over the limit", fmany == nil)
-- an empty chunk is fine
print("empty chunk", load("")())
print("only comments", load("-- nothing\n--[[ more ]]")())

-- reader functions
local pieces = {"return ", "'pie", "ces'", " .. 1"}
local i = 0
local rf = load(function() i = i + 1; return pieces[i] end)
print("reader", rf())
-- a reader returning empty string ends the chunk
local parts = {"return 5", "", "+ 1"}
i = 0
print("empty piece ends", load(function() i = i + 1; return parts[i] end)())
-- reader returning a non-string is an error
print("reader bad value", pcall(load("return load(function() return {} end)", "=rd")))
-- reader that errors
print("reader error", pcall(load("return load(function() error('reader failed', 0) end)", "=re")))
-- chunk names
print("default name", pcall(load("error('e')")))
print("default reader name", pcall(load(function() if not i then return nil end i = nil return "error('e')" end)))
print("= name", pcall(load("error('e')", "=custom")))
print("@ name", pcall(load("error('e')", "@some/file.lua")))

-- modes
print("text mode ok", load("return 1", "m", "t")())
print("binary mode rejects text", load("return 1", "m", "b"))
print("bt mode", load("return 2", "m", "bt")())
print("bad mode", pcall(load, "return 1", "m", "x"))

-- env argument
local env = {x = 10}
print("env", load("return x", "e", "t", env)())
print("env assignment", load("y = 5", "e", "t", env)(), env.y)
print("explicit nil env", pcall(load("return x", "e", "t", nil)))
-- functions from load are vararg main chunks
print("vararg", load("return select('#', ...)")(1, 2, 3))
-- load of something that is not a string/function
print("load number", pcall(load, 42))
print("load nil", pcall(load))

-- loaded code can define locals/upvalues independent of the caller
local secret = "caller local"
print("no access to caller locals", load("return secret")())

-- recursion through load
local nested = load("return load('return load(\"return 3\")')")()()()
print("nested load", nested)

-- syntax error position for a large chunk
local big = {}
for k = 1, 100 do big[k] = "local v" .. k .. " = " .. k end
big[101] = "return v100 +"
print("error at line 101", load((function() local s = "" for k = 1, #big do s = s .. big[k] .. "\n" end return s end)(), "=big"))
-- long operator chains: left-associative ones are built in a loop (no nesting limit)
local function chain(first, sep, term, n)
  local s = first
  for _ = 2, n do s = s .. sep .. term end
  return s
end
local function run(src)
  local f, err = load("return " .. src)
  if not f then return "load failed" end
  return f()
end
print("300 additions", run(chain("1", "+", "1", 300)))
print("5000 additions", run(chain("1", " + ", "1", 5000)))
print("300 subtractions", run(chain("1000", "-", "1", 300)))
print("mixed priorities", run(chain("1", "+", "2*3", 400)))
print("float chain", run(chain("0.5", "*", "1", 300)))
print("or chain", run(chain("false", " or ", "false", 300) .. " or 7"))
print("and chain", run(chain("true", " and ", "true", 300) .. " and 8"))
print("bor chain", run(chain("1", "|", "2", 300)))
print("comparison chain", run(chain("1 == 1", " == ", "true", 300)))
local t = setmetatable({}, {__add = function(a, b) return a end})
print("metamethod chain", load("local t = ...; return " .. chain("t", "+", "1", 300))(t) == t)
print("error position in a chain", pcall(load("return " .. chain("1", "+\n", "1", 250) .. "+ nil", "=chain")))
-- right-associative chains still nest, as in lua5.4
print("300 concatenations", (load("return " .. chain("'a'", "..", "'a'", 300))))
print("150 concatenations", #run(chain("'a'", "..", "'a'", 150)))
print("300 powers", (load("return " .. chain("1", "^", "1", 300))))
-- suffix chains (fields, indexes, calls, method calls) have no nesting limit either
local loop = setmetatable({}, {__index = function(t) return t end, __call = function(t) return t end})
local function suffixes(s, n) return string.rep(s, n) end
print("300 fields", load("local t = ...; return t" .. suffixes(".a", 300))(loop) == loop)
print("5000 fields", load("local t = ...; return t" .. suffixes(".a", 5000))(loop) == loop)
print("300 indexes", load("local t = ...; return t" .. suffixes("[1]", 300))(loop) == loop)
print("300 calls", load("local t = ...; return t" .. suffixes("()", 300))(loop) == loop)
print("300 string calls", load("local t = ...; return t" .. suffixes("'s'", 300))(loop) == loop)
local obj = {}; function obj:m() return self end
print("300 methods", load("local o = ...; return o" .. suffixes(":m()", 300))(obj) == obj)
print("300-field assignment", load("local t = ...; t" .. suffixes(".b", 300) .. ".c = 5; return rawget(t, 'c')")(setmetatable({}, {__index = function(t) return t end})))
print("300-call statement", pcall(load("local t = ...; t" .. suffixes("()", 300), "=calls"), loop))
print("error in a chain", pcall(load("local t = ...; return t" .. suffixes(".a", 250) .. ".x.y", "=fields"), setmetatable({}, {__index = function(t, k) if k == "x" then return nil end return t end})))
print("done 20_load")
