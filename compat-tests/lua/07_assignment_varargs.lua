-- 07_assignment_varargs: multiple assignment, evaluation order, adjustment of
-- multiple results, parentheses truncation, varargs, select
-- Group A: core language only.
print("== 07_assignment_varargs ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- swap
local x, y = 1, 2
x, y = y, x
print("swap", x, y)

-- extra values dropped, missing values nil
local a, b, c = 1, 2
print("missing", a, b, c)
a, b = 10, 20, 30
print("extra", a, b)

-- all expressions are evaluated before assignment
local i = 3
local t = {}
i, t[i] = i + 1, 20
print("i, t[i]", i, t[3], t[4])
local arr = {1, 2, 3}
local j = 1
j, arr[j] = j + 1, "x"
print("j, arr[j]", j, arr[1], arr[2])
-- swap table elements
local s = {"a", "b"}
s[1], s[2] = s[2], s[1]
print("swap elems", s[1], s[2])

-- multiple results
local function none() end
local function one() return 1 end
local function three() return 1, 2, 3 end
print("three()", three())
print("(three())", (three()))
print("three(),10", three(), 10)
print("10,three()", 10, three())
print("none()", none())
print("(none())", (none()))
print("count none", select("#", none()))
print("count (none())", select("#", (none())))
print("count three", select("#", three()))
print("count three,nil", select("#", three(), nil))
local p, q, r, u = three()
print("assign three", p, q, r, u)
p, q, r, u = 0, three()
print("assign 0,three", p, q, r, u)
p, q, r, u = three(), 0
print("assign three,0", p, q, r, u)
local tt = {three(), three()}
print("table ctor", #tt, tt[1], tt[2], tt[4])
tt = {three(), (three())}
print("table ctor paren", #tt)
tt = {three(), nil}
print("ctor nil tail count", select("#", three(), nil))

-- return adjustment
local function ret_call() return three() end
local function ret_paren() return (three()) end
print("ret_call", ret_call())
print("ret_paren", ret_paren())

-- varargs
local function va(...)
  local n = select("#", ...)
  local first, second = ...
  return n, first, second
end
print("va()", va())
print("va(nil)", va(nil))
print("va(nil,nil)", va(nil, nil))
print("va(1,2,3)", va(1, 2, 3))
local function pass(...) return ... end
print("pass", pass(1, nil, 3, nil))
print("pass count", select("#", pass(1, nil, 3, nil)))
local function packed(...) return {...} end
local pk = packed(1, 2, 3)
print("packed", #pk, pk[3])
local function vatable(...)
  local t = {n = select("#", ...), ...}
  return t.n, t[1], t[t.n]
end
print("vatable", vatable("a", "b", "c"))
-- varargs in the middle are truncated
local function mid(...) return ..., "end" end
print("mid", mid(1, 2, 3))
-- the main chunk is vararg
local chunk = load("return select('#', ...), ...")
print("chunk varargs", chunk(7, 8, 9))
-- ... outside vararg function is a compile error
run("no vararg", "local function f() return ... end")

-- select
print("select 1", select(1, "a", "b", "c"))
print("select 2", select(2, "a", "b", "c"))
print("select 4", select(4, "a", "b", "c"))
print("select -1", select(-1, "a", "b", "c"))
print("select -3", select(-3, "a", "b", "c"))
print("select #", select("#"), select("#", nil), select("#", nil, nil))
print("select '2'", select("2", "a", "b"))
run("select 0", "return select(0, 'a')")
run("select -4", "return select(-4, 'a', 'b', 'c')")
run("select x", "return select('x', 'a')")
run("select nil", "return select(nil)")
run("select 1.5", "return select(1.5, 'a')")

-- many values
local function many(n)
  if n == 0 then return end
  return n, many(n - 1)
end
print("many", select("#", many(200)), (many(200)))
local big = {many(250)}
print("big ctor", #big, big[1], big[250])

-- local attribs in multiple assignment
local m1, m2 <const> = 5, 6
print("const multi", m1, m2)

-- assignment to globals and fields in one statement
G1, t.f, G2 = "g1", "tf", "g2"
print("globals", G1, t.f, G2)
G1, G2 = nil, nil

-- nested functions returning functions
local function adder(k) return function(v) return v + k end end
print("curried", adder(3)(4))
print("done 07_assignment_varargs")
