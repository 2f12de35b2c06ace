-- 44_table: the table library
-- Group B: standard library. Uses only the base, coroutine, table and math
-- libraries, so it runs before the string library exists.
print("== 44_table ==")

-- print pcall results. Library functions are called directly by pcall, so
-- their messages carry no position; errors raised by Lua code come from
-- chunks loaded with a fixed name ("=name").
local function E(label, f, ...)
  print(label, pcall(f, ...))
end

local function show(label, t, n)
  local parts = {}
  for i = 1, n or #t do parts[#parts + 1] = tostring(t[i]) end
  print(label, "{" .. table.concat(parts, ",") .. "}")
end

-- a table whose every access goes through metamethods, logging them
local function proxy(init, log)
  local store = {}
  for i, v in ipairs(init) do store[i] = v end
  return setmetatable({}, {
    __index = function(_, k) log[#log + 1] = "r" .. tostring(k); return store[k] end,
    __newindex = function(_, k, v) log[#log + 1] = "w" .. tostring(k); store[k] = v end,
    __len = function() log[#log + 1] = "#"; return #store end,
  }), store
end

-- concat
print("concat", table.concat({1, 2, 3}), table.concat({1, 2, 3}, ", "), table.concat({}, "x"))
print("concat range", table.concat({"a", "b", "c", "d"}, "-", 2, 3), table.concat({"a"}, "-", 2, 1))
print("concat numbers", table.concat({1, 2.5, -0.0, 1e100, 2^63, math.mininteger}, " "))
print("concat number sep", table.concat({1, 2, 3}, 0), table.concat({"a", "b"}, 1.5))
print("concat string indices", table.concat({"a", "b", "c"}, "", "2", "3"))
print("concat one", table.concat({"x"}, ",", 1, 1), table.concat({[5] = "five"}, ",", 5, 5))
print("concat negative", table.concat({[-1] = "m", [0] = "z", "o"}, ",", -1, 1))
E("concat nil", table.concat, {1, nil, 3}, ",", 1, 3)
E("concat table", table.concat, {1, {}, 3})
E("concat bool", table.concat, {true})
E("concat function", table.concat, {print})
E("concat bad sep", table.concat, {1}, {})
E("concat bad i", table.concat, {1}, ",", "x")
E("concat float j", table.concat, {1}, ",", 1, 1.5)
E("concat no table", table.concat)
E("concat number", table.concat, 42)
E("concat past end", table.concat, {1, 2}, ",", 1, 3)

-- insert
local t = {1, 2, 3}
table.insert(t, 4)
table.insert(t, 1, 0)
table.insert(t, 3, "mid")
show("insert", t)
table.insert(t, #t + 1, "end")
show("insert at n+1", t)
table.insert(t, "2", "str pos")
show("insert string pos", t)
table.insert(t, 2.0, "float pos")
show("insert float pos", t)
local holes = {}
table.insert(holes, nil)
print("insert nil", #holes, next(holes))
E("insert position out of bounds", table.insert, {1, 2}, 5, "x")
E("insert position 0", table.insert, {1, 2}, 0, "x")
E("insert negative", table.insert, {1, 2}, -1, "x")
E("insert mininteger", table.insert, {}, math.mininteger, "x")
E("insert wrong args", table.insert, {1}, 1, 2, 3)
E("insert no value", table.insert, {1})
E("insert non-table", table.insert, nil, 1)
E("insert bad pos", table.insert, {}, "x", 1)
E("insert float pos", table.insert, {}, 1.5, 1)
E("insert nothing", table.insert)

-- remove
t = {1, 2, 3, 4, 5}
print("remove last", table.remove(t), #t)
print("remove first", table.remove(t, 1), #t)
show("after remove", t)
print("remove middle", table.remove(t, 2), #t)
show("after remove middle", t)
print("remove empty", table.remove({}), select("#", table.remove({})))
print("remove n+1", table.remove({1, 2}, 3))
print("remove 0 on empty", table.remove({}, 0))
E("remove out of bounds", table.remove, {1, 2, 3}, 7)
E("remove 0 on non-empty", table.remove, {1, 2, 3}, 0)
E("remove negative", table.remove, {1}, -1)
E("remove bad pos", table.remove, {1}, "x")
E("remove non-table", table.remove, "abc")
local r0 = {[0] = "zero"}
print("remove #t==0 pos 0", table.remove(r0, 0), r0[0])
local rn = {n = 1}
print("remove #t==0 pos n+1", table.remove(rn, 1), rn.n)

-- move
local m = table.move({1, 2, 3}, 1, 3, 2)
show("move overlap right", m)
m = table.move({1, 2, 3, 4}, 2, 4, 1)
show("move overlap left", m)
local dest = table.move({1, 2, 3}, 1, 3, 1, {"a", "b", "c", "d"})
show("move to other", dest)
show("move empty range", table.move({1, 2}, 2, 1, 5))
show("move negative", table.move({[-2] = "a", [-1] = "b", [0] = "c"}, -2, 0, 1), 3)
show("move to itself", table.move({1, 2, 3}, 1, 3, 1))
local same = {1, 2, 3}
print("move returns destination", table.move(same, 1, 2, 2) == same, table.move({}, 1, 0, 1, same) == same)
E("move too many", table.move, {}, 1, math.maxinteger, 2)
E("move too many negative", table.move, {}, -1, math.maxinteger, 2)
E("move wrap around", table.move, {}, 1, 10, math.maxinteger - 5)
print("move to maxinteger", table.move({1}, 1, 1, math.maxinteger)[math.maxinteger])
E("move no f", table.move, {})
E("move no e", table.move, {}, 1)
E("move no t", table.move, {}, 1, 2)
E("move float", table.move, {}, 1.5, 2, 3)
E("move bad source", table.move, 1, 1, 2, 3)
E("move bad destination", table.move, {}, 1, 2, 3, 5)
print("move nil destination", #table.move({1, 2}, 1, 2, 3, nil))

-- pack / unpack
local p = table.pack(1, nil, 3, nil)
print("pack", p.n, p[1], p[2], p[3], p[4])
print("pack empty", table.pack().n, next(table.pack(), "n"))
print("pack n field", table.pack("a", "b").n, select("#", table.unpack(table.pack(1, 2, 3))))
print("unpack", table.unpack({1, 2, 3}))
print("unpack range", table.unpack({1, 2, 3, 4}, 2, 3))
print("unpack nils", table.unpack({}, 1, 3))
print("unpack empty range", select("#", table.unpack({1}, 3, 2)))
print("unpack negative", table.unpack({[-1] = "m", [0] = "z"}, -1, 0))
print("unpack string bounds", table.unpack({1, 2, 3}, "2", "3"))
print("unpack maxinteger", table.unpack({}, math.maxinteger, math.maxinteger))
print("unpack mininteger", table.unpack({}, math.mininteger, math.mininteger))
print("unpack count", select("#", table.unpack({}, 1, 5000)))
E("unpack too many", table.unpack, {}, 1, 1e7)
E("unpack huge", table.unpack, {}, math.mininteger, math.maxinteger)
E("unpack no table", table.unpack)
E("unpack number", table.unpack, 5)
E("unpack bad i", table.unpack, {}, "x")
E("unpack bad j", table.unpack, {}, 1, {})
print("unpack non-table with range", pcall(table.unpack, 5, 1, 0))

-- sort
local s = {5, 2, 8, 1, 9, 3}
table.sort(s)
show("sort", s)
table.sort(s, function(a, b) return a > b end)
show("sort desc", s)
local words = {"banana", "apple", "Cherry", "date", "", "apple2", "b"}
table.sort(words)
show("sort strings", words)
local recs = {{n = "b", v = 2}, {n = "a", v = 2}, {n = "c", v = 1}}
table.sort(recs, function(a, b) if a.v ~= b.v then return a.v < b.v end return a.n < b.n end)
print("sort records", recs[1].n, recs[2].n, recs[3].n)
local big = {}
for i = 1, 1000 do big[i] = (i * 7919) % 1000 end
table.sort(big)
local sorted = true
for i = 2, #big do if big[i - 1] > big[i] then sorted = false end end
print("sort 1000", sorted, big[1], big[1000])
table.sort({})
table.sort({1})
print("sort nil comparator", pcall(table.sort, {3, 1, 2}, nil))
local fl = {3.5, 1, 2.25, -1, math.huge, -math.huge, 0, -0.0, math.mininteger, math.maxinteger, 2^53}
table.sort(fl)
show("sort mixed numbers", fl)
local ties = {}
for i = 1, 200 do ties[i] = (i * 37) % 7 end
table.sort(ties)
show("sort ties", ties, 20)
-- an unstable sort: the order of equal keys is part of PUC-Rio's algorithm
local recs2 = {}
for i = 1, 300 do recs2[i] = {k = (i * 37) % 11, i = i} end
table.sort(recs2, function(a, b) return a.k < b.k end)
local order = {}
for i = 1, 300 do order[i] = recs2[i].i end
print("sort unstable order", table.concat(order, ","))
-- a non-strict comparator on data where it happens to work
local le = {}
for i = 1, 50 do le[i] = (i * 13) % 10 end
print("sort with <=", pcall(table.sort, le, function(a, b) return a <= b end))
show("sort with <= result", le)
-- inconsistent comparators raise the error and leave the table as PUC-Rio does
local bad = {5, 4, 3, 2, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
E("sort invalid order function", table.sort, bad, function(a, b) return true end)
show("after invalid order", bad)
local bad2 = {}
for i = 1, 300 do bad2[i] = (i * 37) % 11 end
E("sort invalid order <=", table.sort, bad2, function(a, b) return a <= b end)
show("after invalid <=", bad2, 30)
local nans = {3, 0/0, 1, 2, 0/0, 5, 4, 9, 8, 7, 6}
print("sort with NaN", pcall(table.sort, nans))
local count = 0
local rnd = {}
for i = 1, 100 do rnd[i] = (i * 7919) % 101 end
print("sort random comparator terminates", pcall(table.sort, rnd, function(a, b) count = count + 1; return count % 3 == 0 end))
E("sort mixed types", table.sort, {1, "x", 2})
E("sort tables", table.sort, {{}, {}})
E("sort nil hole", table.sort, {1, nil, 3})
E("sort bool", table.sort, {true, false})
E("sort bad comparator", table.sort, {1, 2}, 3)
E("sort bad comparator ignored for short", table.sort, {1}, 3)
E("sort no table", table.sort)
E("sort string", table.sort, "abc")
E("sort comparator error", table.sort, {1, 2, 3}, function(a, b) error("cmp failed", 0) end)
local errt = {}
print("sort comparator error table", select(2, pcall(table.sort, {1, 2, 3}, function(a, b) error(errt) end)) == errt)
local lt = {__lt = function(a, b) return a.v < b.v end}
local objs = {}
for i = 1, 50 do objs[i] = setmetatable({v = (i * 13) % 50}, lt) end
table.sort(objs)
local vs = {}
for i = 1, 50 do vs[i] = objs[i].v end
print("sort __lt", table.concat(vs, ","))
local named = setmetatable({}, {__name = "Thing"})
E("sort __name in message", table.sort, {named, named})
E("sort number with __name", table.sort, {named, 1})
local big2 = {}
for i = 1, 5000 do big2[i] = (i * 7919) % 5003 end
table.sort(big2, function(a, b) return a > b end)
local desc = true
for i = 2, #big2 do if big2[i - 1] < big2[i] then desc = false end end
print("sort 5000 comparator", desc, big2[1], big2[5000])
local strs = {}
for i = 1, 500 do strs[i] = tostring((i * 7919) % 503) end
table.sort(strs)
print("sort strings 500", strs[1], strs[2], strs[250], strs[500])

-- metamethods are honoured (__index/__newindex/__len)
local log = {}
local px = setmetatable({}, {
  __index = function(_, k) return rawget(log, k) end,
  __newindex = function(_, k, v) rawset(log, k, v) end,
  __len = function() return #log end,
})
table.insert(px, "a")
table.insert(px, "b")
table.insert(px, 1, "c")
print("insert via metamethods", #px, log[1], log[2], log[3], rawlen(px))
print("concat via metamethods", table.concat(px, ","))
print("unpack via metamethods", table.unpack(px))
print("remove via metamethods", table.remove(px, 1), #log)
table.sort(px, function(a, b) return a > b end)
print("sort via metamethods", log[1], log[2])
local moved = table.move(px, 1, 2, 1, {})
print("move via metamethods", moved[1], moved[2])
local lenonly = setmetatable({}, {__len = function() return 3 end, __index = function(_, i) return i * 10 end})
print("unpack __len", table.unpack(lenonly))
print("concat __index", table.concat(lenonly, "+"))

-- the exact sequence of accesses, as PUC-Rio makes them
local acc = {}
local pt = proxy({1, 2, 3}, acc)
table.insert(pt, 2, "x")
print("insert accesses", table.concat(acc, " "))
acc = {}
pt = proxy({1, 2, 3, 4}, acc)
table.remove(pt, 2)
print("remove accesses", table.concat(acc, " "))
acc = {}
pt = proxy({"a", "b", "c"}, acc)
table.concat(pt, ",")
print("concat accesses", table.concat(acc, " "))
acc = {}
pt = proxy({3, 1, 2}, acc)
table.sort(pt)
print("sort accesses", table.concat(acc, " "))
acc = {}
pt = proxy({5, 3, 8, 1, 9, 2, 7}, acc)
table.sort(pt)
print("sort accesses 7", #acc, acc[1], acc[2], acc[#acc])
acc = {}
pt = proxy({1, 2, 3}, acc)
table.move(pt, 1, 3, 2)
print("move accesses", table.concat(acc, " "))
acc = {}
pt = proxy({1, 2}, acc)
table.unpack(pt)
print("unpack accesses", table.concat(acc, " "))

-- __index/__newindex chains of tables (no function call)
local base = {10, 20, 30}
local chained = setmetatable({}, {__index = base, __len = function() return 3 end})
print("chained concat", table.concat(chained, ","))
local sink = {}
local wchain = setmetatable({}, {__newindex = sink, __index = sink, __len = function() return #sink end})
table.insert(wchain, "w1")
table.insert(wchain, "w2")
print("chained newindex", sink[1], sink[2], rawget(wchain, 1))

-- errors inside metamethods and bad metamethod results
E("__len not integer", table.insert, setmetatable({}, {__len = function() return 1.5 end}), 1)
E("__len string", table.unpack, setmetatable({}, {__len = function() return "x" end}))
print("__len numeric string", table.unpack(setmetatable({}, {__len = function() return "2" end, __index = function(_, k) return k end})))
print("__len float integral", table.unpack(setmetatable({}, {__len = function() return 2.0 end, __index = function(_, k) return -k end})))
E("__index error", table.concat, setmetatable({}, {__len = function() return 1 end, __index = function() error("idx", 0) end}))
E("__newindex error", table.insert, setmetatable({}, {__newindex = function() error("nidx", 0) end}), 1)
E("__index not indexable", table.unpack, setmetatable({}, {__index = 5, __len = function() return 1 end}))
E("__newindex not indexable", table.insert, setmetatable({}, {__newindex = true}), 1)
local loop = setmetatable({}, {})
getmetatable(loop).__index = loop
E("__index loop", table.unpack, loop, 1, 1)
E("array too big", table.sort, setmetatable({}, {__len = function() return math.maxinteger end}))
E("sort __len error", table.sort, setmetatable({}, {__len = function() error("len!", 0) end}))
E("concat __len before separator check", table.concat, setmetatable({}, {__len = function() error("len first", 0) end}), {})
E("insert __len before argument count", table.insert, setmetatable({}, {__len = function() error("len first", 0) end}))

-- tables whose metatable has no access metamethods behave as raw tables
local classy = setmetatable({3, 1, 2}, {__name = "Classy", __tostring = function() return "C" end})
table.insert(classy, 0)
table.sort(classy)
print("metatable without access metamethods", table.concat(classy, ","), table.remove(classy, 1), table.unpack(classy))
local eqonly = setmetatable({1, 2, 3}, {__eq = function() return true end})
table.move(eqonly, 1, 3, 2)
print("move within a table with __eq", table.concat(eqonly, ","))
local eqdst = setmetatable({}, {__eq = function() return true end})
table.move(setmetatable({1, 2, 3}, getmetatable(eqdst)), 1, 3, 2, eqdst)
print("move between __eq-equal tables", eqdst[2], eqdst[3], eqdst[4])

-- non-tables with the right metamethods are accepted (checktab)
local function fake(...)
  local ok = pcall(table.unpack, ...)
  return ok
end
print("checktab", fake({}), pcall(table.concat, setmetatable({}, {})))

-- move between tables that __eq says are equal copies backwards
local eqmt = {__eq = function() return true end}
local ea, eb = setmetatable({1, 2, 3}, eqmt), setmetatable({}, eqmt)
local order2 = {}
setmetatable(eb, {__eq = eqmt.__eq, __newindex = function(t, k, v) order2[#order2 + 1] = k; rawset(t, k, v) end})
table.move(ea, 1, 3, 2, eb)
print("move __eq order", table.concat(order2, ","))
local order3 = {}
local ec = setmetatable({}, {__newindex = function(t, k, v) order3[#order3 + 1] = k; rawset(t, k, v) end})
table.move({1, 2, 3}, 1, 3, 2, ec)
print("move other order", table.concat(order3, ","))

-- (Comparators and metamethods may also yield in Halo, where lua5.4 says
-- "attempt to yield across a C-call boundary": tested in halo-stdlib's tests.)

-- errors from Lua code calling the library keep their position
local f = load("local t = {} table.insert(t, 1, 2, 3)", "=insert_chunk")
print("positioned error", pcall(f))
f = load("table.concat({{}})", "=concat_chunk")
print("positioned concat error", pcall(f))
f = load("table.sort({5, 4, 3, 2, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, function() return true end)", "=sort_chunk")
print("positioned sort error", pcall(f))
f = load("local t = {} t.x = table.insert t.x({}, 9, 1)", "=field_chunk")
print("method-like name", pcall(f))
print("done 44_table")
