-- 46_os: the os library with fixed timestamps
-- Group B: standard library.
print("== 46_os ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named
local function E(label, f, ...)
  local r = table.pack(pcall(f, ...))
  for i = 1, r.n do
    if type(r[i]) == "string" then r[i] = (r[i]:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  end
  print(label, table.unpack(r, 1, r.n))
end


-- UTC formats with fixed timestamps are deterministic
local ts = 1700000000   -- 2023-11-14 22:13:20 UTC
print("date !%Y-%m-%d %H:%M:%S", os.date("!%Y-%m-%d %H:%M:%S", ts))
print("date !%c", os.date("!%c", ts))
print("date !%x %X", os.date("!%x %X", ts))
print("date !%a %A %b %B", os.date("!%a %A %b %B", ts))
print("date !%d %e %j %m %y %Y", os.date("!%d %e %j %m %y %Y", ts))
print("date !%H %I %M %S %p", os.date("!%H %I %M %S %p", ts))
print("date !%w %u %U %W %V %G %g", os.date("!%w %u %U %W %V %G %g", ts))
print("date !%D %F %R %T %h %n %t %%", os.date("!%D %F %R %T %h|%n|%t|%%", ts))
print("date !%C %y", os.date("!%C %y", ts))
print("date epoch", os.date("!%Y-%m-%d %H:%M:%S", 0))
print("date negative", os.date("!%Y-%m-%d %H:%M:%S", -86400))
print("date float time", os.date("!%H:%M:%S", 1.0))
print("date far future", os.date("!%Y", 4102444800))
E("date invalid conversion", os.date, "!%Ez", ts)
E("date invalid conversion 2", os.date, "%Q", ts)
E("date non-integer time", os.date, "!%Y", 1.5)
E("date bad time", os.date, "!%Y", "x")

-- *t and !*t
local t = os.date("!*t", ts)
print("!*t", t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
table.sort(keys)
print("!*t keys", table.concat(keys, ","))
local lt = os.date("*t", ts)
print("*t types", math.type(lt.year), type(lt.isdst))

-- os.time of a table: interpreted as local time. Round trip through local *t
local back = os.time(os.date("*t", ts))
print("time(date(*t)) round trip", back == ts)
-- normalisation of out-of-range fields (local time, compare via *t)
local norm = os.time({year = 2023, month = 13, day = 32, hour = 12})
local nt = os.date("*t", norm)
print("normalised", nt.year, nt.month, nt.day, nt.hour)
local norm2 = os.time({year = 2024, month = 3, day = 0, hour = 12})
print("day 0 is last day of previous month", os.date("*t", norm2).day)
local norm3 = os.time({year = 2024, month = 1, day = 1, hour = 12, min = -30})
print("negative minutes", os.date("*t", norm3).hour, os.date("*t", norm3).min)
-- os.time updates the table fields (normalisation)
local tbl = {year = 2021, month = 2, day = 31, hour = 12}
os.time(tbl)
print("table normalised in place", tbl.month, tbl.day, tbl.yday ~= nil, tbl.wday ~= nil)
-- default hour is 12
local d1 = os.time({year = 2020, month = 6, day = 15})
print("default hour", os.date("*t", d1).hour)
E("time missing day", os.time, {year = 2020, month = 1})
E("time field not integer", os.time, {year = 2020, month = 1.5, day = 1})
E("time field string", os.time, {year = 2020, month = "x", day = 1})
E("time bad arg", os.time, 5)
print("time numeric strings", math.type(os.time({year = "2020", month = "1", day = "1"})))

-- os.time() and os.clock() types
print("time type", math.type(os.time()))
print("clock type", math.type(os.clock()), os.clock() >= 0)
print("difftime", os.difftime(10, 5), os.difftime(5, 10), math.type(os.difftime(2, 1)))
E("difftime bad", os.difftime, "x")

-- getenv
print("getenv missing", os.getenv("HALO_COMPAT_SURELY_NOT_SET_12345"))
print("getenv type", type(os.getenv("PATH")))
E("getenv bad", os.getenv, {})

-- tmpname, remove, rename
local name = os.tmpname()
print("tmpname type", type(name))
local f = io.open(name, "w") f:write("x") f:close()
local name2 = name .. ".renamed"
print("rename", os.rename(name, name2))
local r1, m1, c1 = os.remove(name)
print("remove missing", r1, type(m1), math.type(c1))
print("remove", os.remove(name2))
local r2, m2 = os.rename(name, name2)
print("rename missing", r2, type(m2))

-- setlocale queries
print("setlocale query", os.setlocale())
print("setlocale C", os.setlocale("C"), os.setlocale(nil, "numeric"))
print("setlocale bad", os.setlocale("no_such_locale_xyz"))
E("setlocale bad category", os.setlocale, "C", "nosuch")

-- os.exit is tested by existence only (it would end the script)
print("exit exists", type(os.exit), type(os.execute))
print("done 46_os")
