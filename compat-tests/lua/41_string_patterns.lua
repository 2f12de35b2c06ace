-- 41_string_patterns: find, match, gmatch, gsub and the pattern language
-- Group B: standard library.
print("== 41_string_patterns ==")

-- print pcall results; the script's own path in messages is replaced by
-- "script" so the output does not depend on how the file was named. (Only
-- the string library and base functions are used, so this script checks the
-- string library alone.)
local function fix(...)
  if select("#", ...) == 0 then return end
  local v = ...
  if type(v) == "string" then v = (v:gsub("^[^\n]-%.lua:(%d+):", "script:%1:")) end
  return v, fix(select(2, ...))
end
local function E(label, f, ...) print(label, fix(pcall(f, ...))) end


local function M(s, p, init) print("match", s, p, string.match(s, p, init)) end
local function F(...) print("find", ...,  "->", string.find(...)) end

-- character classes
local all = ""
for i = 0, 255 do all = all .. string.char(i) end
for _, cls in ipairs({"%a", "%c", "%d", "%g", "%l", "%p", "%s", "%u", "%w", "%x",
                      "%A", "%C", "%D", "%G", "%L", "%P", "%S", "%U", "%W", "%X", "."}) do
  local n = select(2, all:gsub(cls, ""))
  print("class", cls, n)
end
print("punct", (all:gsub("[^%p]", "")))
print("space bytes", (all:gsub("%S", "")):byte(1, -1))

-- sets
M("hello123", "[a-z]+")
M("hello123", "[%d]+")
M("hello-world", "[%w-]+")
M("a]b", "[]]")
M("a^b", "[%^]")
M("a^b", "[b^]")
M("abc", "[^a]+")
M("x-y", "[x%-]+")
M("a-z", "[a%-z]+")
M("]", "[]]")
M("az-", "[a-]+")
M("\0\1\2", "[\0-\1]+")
M("ABCdef", "[A-Z][a-z]")
M("tab\there", "[\t]")

-- quantifiers
M("aaa", "a*")
M("aaa", "a-")
M("aaab", "a-b")
M("aaa", "a+")
M("", "a*")
M("b", "a?b")
M("ab", "a?b")
M("<<x>>", "<(.-)>")
M("<<x>>", "<(.*)>")
M("numbers 123 and 456", "%d+")
M("  trim  ", "^%s*(.-)%s*$")

-- anchors
M("hello", "^h")
M("hello", "^e")
M("hello", "o$")
M("hello", "l$")
M("a^b", "a^b")
M("a$b", "a$b")
print("gmatch anchor", (function() local n = 0 for w in ("aaa"):gmatch("^a") do n = n + 1 end return n end)())

-- captures
M("key = value", "(%w+)%s*=%s*(%w+)")
M("2024-01-15", "(%d+)-(%d+)-(%d+)")
M("hello", "()ll()")
M("hello", "(h)(e)(l)(l)(o)")
M("abc", "((a)(b))")
M("hello world", "(o)(.-)%1")
M("xyzzy", "(z)%1")
M("abab", "(ab)%1")
M("'quoted' \"dq\"", "([\"'])(.-)%1")
M("abc", "")
M("abc", "()")

-- %b and %f
M("f(a(b)c)d", "%b()")
M("[[x]]", "%b[]")
M("no close (", "%b()")
M("THE (quick) fox", "%f[%a]%a+")
M("THE (quick) fox", "%f[%l]%a+")
print("frontier words", (("the quick brown"):gsub("%f[%w]%w+", "<%0>")))
print("frontier end", (("hello"):gsub("%f[%z]", "|")), (("a b"):gsub("%f[%W]", "|")))
print("frontier at start", ("abc"):find("%f[%a]"))

-- find
F("hello world", "o")
F("hello world", "o", 6)
F("hello world", "o", -3)
F("hello world", "xyz")
F("hello world", "l+")
F("hello world", "(l+)")
F("a.b", ".", 1, true)
F("a.b", "%.")
F("a+b", "+", 1, true)
F("a+b", "a+b", 1, true)
F("abc", "", 10)
F("abc", "", 4)
F("abc", "", 3)
F("abc", "b", -100)
F("", "")
F("abc", "c", 100)
F("a\0b", "\0")
F("a\0b", "%z")

-- match with init
M("hello", "l+", 4)
M("hello", ".", -1)
M("hello", "^l", 3)

-- gmatch
local words = {}
for w in ("one two  three"):gmatch("%a+") do words[#words + 1] = w end
print("gmatch words", #words, words[1], words[2], words[3])
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do print("gmatch pair", k, v) end
local empties = {}
for e in ("abc"):gmatch("") do empties[#empties + 1] = "x" end
print("gmatch empty", #empties)
local ps = "" for p in ("abc"):gmatch("()") do ps = ps .. p .. " " end print(ps)
local initw = {}
for w in ("one two three"):gmatch("%a+", 5) do initw[#initw + 1] = w end
print("gmatch init", #initw, initw[1], initw[2])
for w in ("one two three"):gmatch("%a+", -5) do print("gmatch negative init", w) end
local ab = "" for a, b in ("xaybzc"):gmatch("()[abc]()") do ab = ab .. a .. "-" .. b .. " " end print(ab)

-- gsub with string replacement
print("gsub", ("hello world"):gsub("o", "0"))
print("gsub n", ("hello world"):gsub("o", "0", 1))
print("gsub n=0", ("hello world"):gsub("o", "0", 0))
print("gsub %0", ("abc"):gsub("%w", "%0%0"))
print("gsub captures", ("hello world"):gsub("(%w+) (%w+)", "%2 %1"))
print("gsub %%", ("50"):gsub("%d+", "%0%%"))
print("gsub empty pattern", ("abc"):gsub("", "-"))
print("gsub anchored", ("aaa"):gsub("^a", "b"))
print("gsub position capture", ("abc"):gsub("()", "%1"))
E("gsub invalid %2", string.gsub, "abc", "(a)", "%2")
E("gsub invalid %x", string.gsub, "abc", "a", "%x")
-- table replacement
local tbl = {name = "Lua", version = "5.4", num = 1}
print("gsub table", ("$name $version $missing"):gsub("%$(%w+)", tbl))
print("gsub table false", ("$num"):gsub("%$(%w+)", {num = false}))
print("gsub table number value", ("$num"):gsub("%$(%w+)", tbl))
E("gsub table bad value", string.gsub, "$x", "%$(%w+)", {x = {}})
-- function replacement
print("gsub func", ("1 2 3"):gsub("%d", function(d) return d * 2 end))
print("gsub func nil", ("1 2 3"):gsub("%d", function(d) if d == "2" then return nil end return "x" end))
print("gsub func false", ("abc"):gsub("%w", function() return false end))
print("gsub func whole", ("abc"):gsub("%w+", function(w) return w:upper() end))
print("gsub func captures", ("k=v"):gsub("(%w)=(%w)", function(a, b) return b .. "=" .. a end))
print("gsub func position", ("abc"):gsub("()b", function(p) return "[" .. p .. "]" end))
E("gsub func bad value", string.gsub, "abc", "%w", function() return {} end)
E("gsub bad repl", string.gsub, "abc", "%w", true)
E("gsub missing repl", string.gsub, "abc", "%w")

-- malformed patterns
E("malformed %", string.find, "abc", "%")
E("malformed [", string.find, "abc", "[a")
E("malformed [^", string.find, "abc", "[^")
E("unfinished capture", string.find, "abc", "(a")
E("invalid pattern capture", string.find, "abc", "a)")
E("invalid capture index", string.find, "abc", "%1")
E("missing %b args", string.find, "abc", "%b")
E("missing [ after %f", string.find, "abc", "%fa")
E("too many captures", string.match, ("a"):rep(40), ("(a)"):rep(40))

-- special characters escaped with %
M("a.b*c+d?e", "%.(.)%*")
M("(x)", "%((.)%)")
M("100%", "%d+%%")
print("escape all magic", (("^$()%.[]*+-?"):gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")))
print("done 41_string_patterns")
