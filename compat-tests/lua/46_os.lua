-- 46_os: the os library with fixed timestamps
-- Group B: standard library. Uses only the base, table, math and os
-- libraries. Local time depends on the machine's zone, so it is only
-- compared with itself (round trips); printed dates are UTC ("!").
print("== 46_os ==")

-- print pcall results (library functions called directly by pcall: their
-- messages carry no position)
local function E(label, f, ...)
  print(label, pcall(f, ...))
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
print("date !%C %y %r %z %Z", os.date("!%C %y %r %z %Z", ts))
print("date E and O modifiers", os.date("!%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy", ts))
print("date epoch", os.date("!%Y-%m-%d %H:%M:%S", 0))
print("date negative", os.date("!%Y-%m-%d %H:%M:%S", -86400))
print("date float time", os.date("!%H:%M:%S", 1.0))
print("date string time", os.date("!%H:%M:%S", "10"))
print("date far future", os.date("!%Y", 4102444800))
print("date far past", os.date("!%Y-%m-%d %a", -62167219200))
print("date huge year", os.date("!%Y", 1e15))
print("date leap day", os.date("!%F %j %a", 951782400))
print("date week numbers", os.date("!%U %W %V %G", 1609459200), os.date("!%U %W %V %G", 1735516800))
print("date plain text", os.date("!plain text", ts), os.date("!", ts))
print("date embedded zero", os.date("!%Y\0%m", 0) == "1970\0" .. "01")
E("date invalid conversion", os.date, "!%Ez", ts)
E("date invalid conversion 2", os.date, "%Q", ts)
E("date lone percent", os.date, "!%", ts)
E("date percent E", os.date, "!%E", ts)
print("date %Ex then %Y", os.date("!%Ex%Y", ts))
E("date rest of format quoted", os.date, "!%Ez%Y", ts)
E("date 5.3 conversion", os.date, "!%k", ts)
E("date non-integer time", os.date, "!%Y", 1.5)
E("date bad time", os.date, "!%Y", "x")
E("date bad time table", os.date, "%c", {})
E("date bad format", os.date, {})
E("date unrepresentable", os.date, "!%Y", 2^62)
E("date unrepresentable local", os.date, "%Y", 2^60)

-- *t and !*t
local t = os.date("!*t", ts)
print("!*t", t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
table.sort(keys)
print("!*t keys", table.concat(keys, ","))
local lt = os.date("*t", ts)
print("*t types", math.type(lt.year), type(lt.isdst))
local e0 = os.date("!*t", 0)
print("!*t epoch", e0.year, e0.month, e0.day, e0.hour, e0.wday, e0.yday)
local nt0 = os.date("!*t\0ignored", 0)
print("!*t ends at NUL", type(nt0), nt0.year)

-- os.time of a table: interpreted as local time. Round trip through local *t
local back = os.time(os.date("*t", ts))
print("time(date(*t)) round trip", back == ts)
for _, when in ipairs({0, 86399, 951782400, 1604208600, 1583650000, 4102444800, -2208988800}) do
  if os.time(os.date("*t", when)) ~= when then print("round trip failed", when) end
end
print("round trips done")
-- normalisation of out-of-range fields (local time, compare via *t)
local norm = os.time({year = 2023, month = 13, day = 32, hour = 12})
local nt = os.date("*t", norm)
print("normalised", nt.year, nt.month, nt.day, nt.hour)
local norm2 = os.time({year = 2024, month = 3, day = 0, hour = 12})
print("day 0 is last day of previous month", os.date("*t", norm2).day)
local norm3 = os.time({year = 2024, month = 1, day = 1, hour = 12, min = -30})
print("negative minutes", os.date("*t", norm3).hour, os.date("*t", norm3).min)
local norm4 = os.time({year = 2024, month = -1, day = 1, hour = 12, sec = 3600 * 24})
print("negative month, big seconds", os.date("*t", norm4).year, os.date("*t", norm4).month, os.date("*t", norm4).day)
-- os.time updates the table fields (normalisation)
local tbl = {year = 2021, month = 2, day = 31, hour = 12}
os.time(tbl)
print("table normalised in place", tbl.month, tbl.day, tbl.yday, tbl.wday, tbl.min, tbl.sec, type(tbl.isdst))
-- default hour is 12, min and sec 0
local d1 = os.time({year = 2020, month = 6, day = 15})
print("default hour", os.date("*t", d1).hour, os.date("*t", d1).min, os.date("*t", d1).sec)
print("time differences", os.time({year = 2020, month = 6, day = 16}) - d1, os.time({year = 2020, month = 6, day = 15, hour = 12, sec = 1}) - d1)
E("time missing day", os.time, {year = 2020, month = 1})
E("time missing year", os.time, {month = 1, day = 1})
E("time missing month", os.time, {year = 2020, day = 1})
E("time field not integer", os.time, {year = 2020, month = 1.5, day = 1})
E("time field string", os.time, {year = 2020, month = "x", day = 1})
E("time field table", os.time, {year = 2020, month = 1, day = 1, hour = {}})
E("time field bool", os.time, {year = 2020, month = 1, day = 1, sec = true})
E("time hour out of bound", os.time, {year = 2020, month = 1, day = 1, hour = 2^31})
E("time year out of bound", os.time, {year = 2^31 + 1900, month = 1, day = 1})
E("time year out of bound low", os.time, {year = -2^31 + 1899, month = 1, day = 1})
E("time result too large", os.time, {year = 2^31 + 1899, month = 13, day = 1})
E("time bad arg", os.time, 5)
E("time string arg", os.time, "x")
print("time numeric strings", math.type(os.time({year = "2020", month = "1", day = "1"})))
print("time float fields", os.time({year = 2020.0, month = 1, day = 1, hour = 0, sec = 59.0}) - os.time({year = 2020, month = 1, day = 1, hour = 0}))
print("time nil arg", math.type(os.time(nil)))
-- fields are read (and written back) through metamethods
local reads = {}
local base = {year = 2022, month = 5, day = 4, hour = 3}
local viaidx = setmetatable({}, {__index = function(_, k) reads[#reads + 1] = k; return base[k] end})
local tv = os.time(viaidx)
print("time through __index", table.concat(reads, ","), tv == os.time({year = 2022, month = 5, day = 4, hour = 3}))
print("time wrote fields back", rawget(viaidx, "year"), rawget(viaidx, "yday"), rawget(viaidx, "wday"))
local writes = {}
local viani = setmetatable({}, {
  __index = base,
  __newindex = function(t2, k, v) writes[#writes + 1] = k; rawset(t2, k, v) end,
})
os.time(viani)
print("time through __newindex", table.concat(writes, ","))

-- os.time() and os.clock() types
print("time type", math.type(os.time()))
print("clock type", math.type(os.clock()), os.clock() >= 0)
print("difftime", os.difftime(10, 5), os.difftime(5, 10), math.type(os.difftime(2, 1)), os.difftime(1, 2.0))
E("difftime bad", os.difftime, "x")
E("difftime one arg", os.difftime, 1)
E("difftime float", os.difftime, 1.5, 1)

-- getenv
print("getenv missing", os.getenv("HALO_COMPAT_SURELY_NOT_SET_12345"))
print("getenv type", type(os.getenv("PATH")))
E("getenv bad", os.getenv, {})
E("getenv no arg", os.getenv)

-- tmpname (which creates the file), rename, remove
local name = os.tmpname()
print("tmpname type", type(name))
local name2 = name .. ".renamed"
print("rename", os.rename(name, name2))
local r1, m1, c1 = os.remove(name)
print("remove missing", r1, type(m1), math.type(c1), c1)
print("remove", os.remove(name2))
local r2, m2, c2 = os.rename(name, name2)
print("rename missing", r2, m2, c2)
print("remove nonexistent", os.remove("/nonexistent_halo_dir/x"))
print("rename nonexistent", os.rename("/nonexistent_halo_dir/x", "/nonexistent_halo_dir/y"))
E("remove no arg", os.remove)
E("rename one arg", os.rename, "a")
E("rename bad", os.rename, {}, "b")
local name3 = os.tmpname()
print("tmpnames differ", name3 ~= name)
os.remove(name3)

-- setlocale: a C library with only the "C" locale
print("setlocale query", os.setlocale())
print("setlocale C", os.setlocale("C"), os.setlocale(nil, "numeric"), os.setlocale("C", "all"))
print("setlocale POSIX", os.setlocale("POSIX"), os.setlocale("C", "collate"), os.setlocale(nil, "time"))
print("setlocale categories", os.setlocale(nil, "ctype"), os.setlocale(nil, "monetary"))
print("setlocale bad", os.setlocale("no_such_locale_xyz"), os.setlocale("xx_YY", "numeric"))
E("setlocale bad category", os.setlocale, "C", "nosuch")
E("setlocale bad locale type", os.setlocale, {})

-- os.exit: argument checks, then a real exit (status 0, output flushed)
print("exit exists", type(os.exit))
E("exit bad code", os.exit, "x")
E("exit float code", os.exit, 1.5)
print("done 46_os")
os.exit(true, true)
print("not reached")
