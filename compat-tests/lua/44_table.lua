-- 44_table: the table library
-- Group B: standard library.
print("== 44_table ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named
local function E(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (r[i]:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end


local function show(label, t, n)
  local parts = {}
  for i = 1, n or #t do parts[#parts + 1] = tostring(t[i]) end
  print(label, "{" .. table.concat(parts, ",") .. "}")
end

-- concat
print("concat", table.concat({1, 2, 3}), table.concat({1, 2, 3}, ", "), table.concat({}, "x"))
print("concat range", table.concat({"a", "b", "c", "d"}, "-", 2, 3), table.concat({"a"}, "-", 2, 1))
print("concat numbers", table.concat({1, 2.5, -0.0}, " "))
E("concat nil", table.concat, {1, nil, 3}, ",", 1, 3)
E("concat table", table.concat, {1, {}, 3})
E("concat bool", table.concat, {true})
E("concat bad sep", table.concat, {1}, {})

-- insert
local t = {1, 2, 3}
table.insert(t, 4)
table.insert(t, 1, 0)
table.insert(t, 3, "mid")
show("insert", t)
table.insert(t, #t + 1, "end")
show("insert at n+1", t)
E("insert position out of bounds", table.insert, {1, 2}, 5, "x")
E("insert position 0", table.insert, {1, 2}, 0, "x")
E("insert wrong args", table.insert, {1}, 1, 2, 3)
E("insert no value", table.insert, {1})
E("insert non-table", table.insert, nil, 1)

-- remove
t = {1, 2, 3, 4, 5}
print("remove last", table.remove(t), #t)
print("remove first", table.remove(t, 1), #t)
show("after remove", t)
print("remove empty", table.remove({}), select("#", table.remove({})))
print("remove n+1", table.remove({1, 2}, 3))
print("remove 0 on empty", table.remove({}, 0))
E("remove out of bounds", table.remove, {1, 2, 3}, 7)
local r0 = {[0] = "zero"}
print("remove #t==0 pos 0", table.remove(r0, 0), r0[0])

-- move
local m = table.move({1, 2, 3}, 1, 3, 2)
show("move overlap right", m)
m = table.move({1, 2, 3, 4}, 2, 4, 1)
show("move overlap left", m)
local dest = table.move({1, 2, 3}, 1, 3, 1, {"a", "b", "c", "d"})
show("move to other", dest)
show("move empty range", table.move({1, 2}, 2, 1, 5))
E("move too many", table.move, {}, 1, math.maxinteger, 2)
E("move to maxinteger", function() return type(table.move({1}, 1, 1, math.maxinteger)) end)

-- pack / unpack
local p = table.pack(1, nil, 3, nil)
print("pack", p.n, p[1], p[2], p[3], p[4])
print("pack empty", table.pack().n)
print("unpack", table.unpack({1, 2, 3}))
print("unpack range", table.unpack({1, 2, 3, 4}, 2, 3))
print("unpack nils", table.unpack({}, 1, 3))
print("unpack empty range", select("#", table.unpack({1}, 3, 2)))
print("unpack negative", table.unpack({[-1] = "m", [0] = "z"}, -1, 0))
E("unpack too many", table.unpack, {}, 1, 1e7)
E("unpack huge", table.unpack, {}, math.mininteger, math.maxinteger)

-- sort
local s = {5, 2, 8, 1, 9, 3}
table.sort(s)
show("sort", s)
table.sort(s, function(a, b) return a > b end)
show("sort desc", s)
local words = {"banana", "apple", "Cherry", "date"}
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
print("sort mixed types fails", (pcall(table.sort, {1, "x", 2})))
E("sort invalid order function", table.sort, {5, 4, 3, 2, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, function(a, b) return true end)
E("sort bad comparator", table.sort, {1, 2}, 3)
local fl = {3.5, 1, 2.25, -1}
table.sort(fl)
show("sort mixed numbers", fl)

-- metamethods are honoured (__index/__newindex/__len)
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) return rawget(log, k) end,
  __newindex = function(_, k, v) rawset(log, k, v) end,
  __len = function() return #log end,
})
table.insert(proxy, "a")
table.insert(proxy, "b")
table.insert(proxy, 1, "c")
print("insert via metamethods", #proxy, log[1], log[2], log[3], rawlen(proxy))
print("concat via metamethods", table.concat(proxy, ","))
print("unpack via metamethods", table.unpack(proxy))
print("remove via metamethods", table.remove(proxy, 1), #log)
table.sort(proxy, function(a, b) return a > b end)
print("sort via metamethods", log[1], log[2])
local moved = table.move(proxy, 1, 2, 1, {})
print("move via metamethods", moved[1], moved[2])
local lenonly = setmetatable({}, {__len = function() return 3 end, __index = function(_, i) return i * 10 end})
print("unpack __len", table.unpack(lenonly))
print("concat __index", table.concat(lenonly, "+"))
print("done 44_table")
