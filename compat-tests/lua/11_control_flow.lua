-- 11_control_flow: if/elseif, while, repeat, numeric for, generic for
-- (stateless/stateful iterators, closing value), break, goto/labels
-- Group A: core language only.
print("== 11_control_flow ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

-- if / elseif / else
local function classify(n)
  if n < 0 then return "neg" elseif n == 0 then return "zero" elseif n < 10 then return "small" else return "big" end
end
print("classify", classify(-1), classify(0), classify(5), classify(50))

-- numeric for: integer loops
local acc = {}
for i = 1, 5 do acc[#acc + 1] = i end
print("1..5", #acc, acc[1], acc[5])
local n = 0
for i = 5, 1 do n = n + 1 end
print("empty loop", n)
local last
for i = 10, 1, -3 do last = i; n = n + 1 end
print("neg step", n, last)
-- float loops
local fl = {}
for x = 0, 1, 0.25 do fl[#fl + 1] = x end
print("float loop", #fl, fl[1], fl[2], fl[5])
for x = 1, 2 do last = x end
print("int loop var", last)
for x = 1.0, 2 do last = x end
print("float start var", last)
for x = 1, 2.5 do last = x end
print("float limit, int var", last)
for x = 3, 1, -0.5 do last = x end
print("float neg step", last)
-- step zero
run("step zero", "for i = 1, 10, 0 do end")
run("step zero float", "for i = 1, 10, 0.0 do end")
-- non-numeric
run("for string init", "for i = 'a', 10 do end")
run("for nil limit", "for i = 1, nil do end")
run("for table step", "for i = 1, 2, {} do end")
run("for string numeral", "local s = 0 for i = '1', 2 do s = s + i end return s")
-- loops near the integer limits terminate (no overflow wrap)
local count = 0
for i = 9223372036854775800, 9223372036854775807 do count = count + 1 end
print("near maxint", count)
count = 0
for i = -9223372036854775800, -9223372036854775807 - 1, -1 do count = count + 1 end
print("near minint", count)
count = 0
for i = 9223372036854775806, 9223372036854775807, 10 do count = count + 1 end
print("big step", count)
count = 0
for i = 1, 9223372036854775807, 4611686018427387904 do count = count + 1 end
print("huge step", count)
count = 0
for i = -9223372036854775807 - 1, 9223372036854775807, 9223372036854775807 do count = count + 1 end
print("full range step", count)
-- float limit clipped to integers
count = 0
for i = 9223372036854775806, 1e100 do count = count + 1; if count > 10 then break end end
print("float limit beyond maxint", count)
count = 0
for i = 1, 0.5 do count = count + 1 end
print("limit 0.5", count)
count = 0
for i = 1, -1/0 do count = count + 1 end
print("limit -inf", count)
-- modifying the control variable does not change the loop
count = 0
for i = 1, 3 do local j = i; j = 10; count = count + 1 end
print("copy", count)
-- limit and step evaluated once
local evals = 0
local function lim() evals = evals + 1; return 3 end
for i = 1, lim() do end
print("limit evals", evals)

-- while and break
local w = 0
while true do
  w = w + 1
  if w == 7 then break end
end
print("while break", w)
-- repeat: until sees locals of the block
local r = 0
repeat
  local done = r >= 4
  r = r + 1
until done
print("repeat", r)
-- nested break only leaves the innermost loop
local pairsfound = 0
for i = 1, 3 do
  for j = 1, 3 do
    if j > i then break end
    pairsfound = pairsfound + 1
  end
end
print("nested break", pairsfound)

-- generic for: stateless iterator
local function iter(t, i)
  i = i + 1
  if t[i] then return i, t[i] end
end
local s = 0
for i, v in iter, {5, 6, 7}, 0 do s = s + i * v end
print("stateless", s)
-- stateful iterator (closure)
local function range(a, b)
  local i = a - 1
  return function() i = i + 1; if i <= b then return i end end
end
s = 0
for i in range(1, 100) do s = s + i end
print("stateful", s)
-- iterator returning multiple values
local function triples()
  local i = 0
  return function() i = i + 1; if i <= 2 then return i, i * 2, i * 3 end end
end
for a, b, c in triples() do print("triple", a, b, c) end
-- extra loop variables get nil
for a, b, c, d in pairs({"x"}) do print("extra vars", a, b, c, d) end
-- the closing value (4th value) is closed when the loop ends
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(_, err) log[#log + 1] = name .. ":" .. tostring(err) end})
end
local function citer(max)
  local i = 0
  return function() i = i + 1; if i <= max then return i end end, nil, nil, closer("c" .. max)
end
for i in citer(3) do end
print("closed after normal end", log[1])
for i in citer(5) do if i == 2 then break end end
print("closed after break", log[2])
local function retinside() for i in citer(4) do if i == 1 then return "ret" end end end
print("return inside", retinside(), log[3])
local ok = pcall(function() for i in citer(6) do error("boom", 0) end end)
print("closed after error", ok, log[4])
-- closing value must have __close (or be nil/false)
run("bad closing value", "for i in function() end, nil, nil, {} do end")
run("false closing value", "for i in function() end, nil, nil, false do end return 'ok'")
-- calling a non-function iterator
run("call non-function", "for i in 1 do end")
run("call nil iterator", "local t = {} for k in t.iter do end")

-- goto: continue idiom
local odds = {}
for i = 1, 10 do
  if i % 2 == 0 then goto continue end
  odds[#odds + 1] = i
  ::continue::
end
print("continue", #odds, odds[1], odds[5])
-- backward goto loop
local g = 0
::top::
g = g + 1
if g < 5 then goto top end
print("backward goto", g)
-- break out of nested loops with goto
local found
for i = 1, 10 do
  for j = 1, 10 do
    if i * j == 42 then found = i .. "x" .. j; goto out end
  end
end
::out::
print("nested goto", found)
-- goto into nested block is not allowed; jumping into scope of a local is an error
run("goto undefined", "goto nowhere")
run("goto into scope", "goto l; local x = 1; ::l:: print(x)")
run("duplicate label", "::a:: ::a::")
run("goto into block", "goto inner; do ::inner:: end")
run("label at end of block ok", "do goto e; local x = 1; ::e:: end return 'ok'")
run("goto continue in repeat", [[
  local i = 0
  repeat
    i = i + 1
    if i < 3 then goto cont end
    ::cont::
  until i >= 5
  return i]])
-- each iteration with goto gets fresh closures
local cl = {}
do
  local i = 1
  ::again::
  local v = i
  cl[#cl + 1] = function() return v end
  i = i + 1
  if i <= 3 then goto again end
end
print("goto fresh locals", cl[1](), cl[2](), cl[3]())
-- break outside a loop is an error
run("break outside loop", "break")
-- while with complex conditions
local a, b = 0, 10
while a < b and not (a == 5) do a = a + 1 end
print("while cond", a)
print("done 11_control_flow")
