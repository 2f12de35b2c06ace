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

-- every class, its complement, inside sets and with every quantifier
local sample = "Hello, World! 42\tfoo_bar\n\0\127~xyz"
for _, cls in ipairs({"a", "c", "d", "g", "l", "p", "s", "u", "w", "x"}) do
  local lo, up = "%" .. cls, "%" .. cls:upper()
  print("class detail", lo, (sample:gsub(lo, "#")), select(2, sample:gsub("[" .. lo .. "_]", "")),
    sample:match(lo .. "+"), sample:match(up .. "-" .. lo), sample:find(lo .. "?" .. up .. "*$"))
end
print("class %z", select(2, ("a\0b\0"):gsub("%z", "")), ("a\0b"):find("%Z+", 2))
print("dot matches all", select(2, ("a\0\n\255"):gsub(".", "")))
print("escaped non-alnum", ("a.b+c"):match("%.(.)%+"), ("50%"):match("%d+%%"), ("[x]"):match("%[(.)%]"))
print("set ranges", ("m5Z_"):match("[a-z][0-9][A-Z]"), ("-"):match("[a-]"), ("b"):match("[%a-z]"), ("]"):match("[]a]"))
print("set with classes", ("a1 b2"):gsub("[%d%s]", "."), ("x-y"):gsub("[^%w]", "_"))
print("set negated range", ("abcXYZ123"):gsub("[^a-z]", ""))
print("quantifier on set", ("aaabbbccc"):match("[ab]+"), ("aaabbbccc"):match("[ab]-b"), ("ccc"):match("[ab]*"))
print("optional", ("color colour"):gsub("colou?r", "C"))
print("lazy vs greedy", ("<a><b>"):match("<(.*)>"), ("<a><b>"):match("<(.-)>"))
print("plus fails", ("bbb"):find("a+"), ("bbb"):find("a*"))
print("minus at end", ("abc"):match("a.-"), ("abc"):match("a.-$"))
print("anchored gsub", ("aaa"):gsub("^a*", "X"), ("baaa"):gsub("^a*", "X"))
print("dollar in middle", ("a$b"):find("$b"), ("ab"):find("b$"), ("ab$"):find("b$", 1, true))
print("caret not first", ("a^b"):find("a^"), ("^^"):gsub("^^", "x"))

-- captures in depth
print("nested captures", ("abcd"):match("((a)(b)((c)(d)))"))
print("position captures", ("hello"):match("()e()l()"), ("hello"):find("()l"))
print("position capture only", ("abc"):match("()"), ("abc"):match("()", 3), ("abc"):match("()", 10))
print("capture with quantifier after", ("aaa"):match("(a)*"), ("aaab"):match("(a*)b"))
print("back reference", ("abcabc"):match("(abc)%1"), ("xyzxy"):match("(xy)z%1"), ("aa"):match("(a)%1%1"))
print("back reference to empty", ("ab"):match("()a%1") == nil)
E("back reference to position", string.match, "aa", "()a%1")
E("back reference unfinished", string.match, "aa", "(a%1)")
E("capture index 0", string.find, "a", "%0")
E("capture index 9", string.find, "a", "(a)%9")
print("32 captures ok", select("#", ("a"):rep(32):match(("(a)"):rep(32))))
E("33 captures", string.match, ("a"):rep(33), ("(a)"):rep(33))

-- %b and %f in depth
print("balance nested", ("((a)(b))c"):match("%b()"), ("x[[y]]z"):match("%b[]"), ("{a{b}"):match("%b{}"))
print("balance same chars", ("'abc'd'"):match("%b''"), ("aXbXc"):gsub("%bXX", "-"))
print("balance with quantifier text", ("(a)+"):match("%b()%+"))
E("balance one arg", string.find, "a", "%b(")
print("frontier", ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"), ("hello world"):gsub("%f[%w]%w", string.upper))
print("frontier empty set edges", ("abc"):find("%f[%z]"), ("abc"):find("%f[a]"), ("abc"):find("%f[^a]"))
E("frontier missing [", string.find, "abc", "%fx")
E("frontier malformed set", string.find, "abc", "%f[a")

-- errors come only where the matcher reaches them (PUC's lazy checks)
E("lazy malformed not reached", string.find, "b", "a%")
E("lazy malformed reached", string.find, "a", "a%")
E("set missing ] reached", string.match, "x", "[x")
E("set escape at end", string.match, "x", "[%")
E("invalid pattern capture", string.match, "abc", "())")
E("pattern too complex", string.match, ("x"):rep(300), ("x?"):rep(300))
E("find bad init", string.find, "abc", "a", {})
E("find bad pattern", string.find, "abc", {})
E("match no subject", string.match)
E("gmatch no pattern", string.gmatch, "abc")
E("gsub bad n", string.gsub, "abc", "a", "b", "x")
E("gsub non-integral n", string.gsub, "abc", "a", "b", 1.5)
E("gsub bad pattern type", string.gsub, "abc", nil, "x")

-- find: plain flag, inits, special characters
print("find plain truthy", ("a.b"):find(".", 1, 1), ("a.b"):find(".", 1, "yes"), ("a.b"):find(".", 1, false))
print("find plain nil init", ("a+b"):find("+", nil, true))
print("find init float", ("abcabc"):find("b", 3.0))
print("find init neg", ("abcabc"):find("b", -2), ("abcabc"):find("c", -1), ("abc"):find("a", -10))
print("find init past end", ("abc"):find("", 4), ("abc"):find("", 5), ("abc"):find("x", 100))
print("find no specials long", (("ab"):rep(1000) .. "needle" .. ("ab"):rep(10)):find("needle"))
print("find with zero", ("a\0b\0c"):find("\0c"), ("a\0b"):find("b", 1, true))
print("match returns captures", ("key=val"):match("(%w+)=(%w+)"))
print("match returns whole", ("key=val"):match("%w+"))
print("match init past end", ("abc"):match(".", 4), ("abc"):match("()", 4))

-- gmatch in depth
local function collect(s, p, init)
  local out = ""
  for a, b in s:gmatch(p, init) do out = out .. "[" .. tostring(a) .. (b and ("," .. tostring(b)) or "") .. "]" end
  return out
end
print("gmatch collect", collect("a1b2c3", "%a%d"), collect("a1b2c3", "(%a)(%d)"), collect("abc", "."))
print("gmatch empty matches", collect("abc", "x*"), collect("", ".*"), collect("ab", "()"))
print("gmatch init", collect("abcdef", "..", 2), collect("abcdef", ".", -2), collect("abc", ".", 10), collect("abc", ".", 0))
print("gmatch anchor literal", collect("a^b^", "%^."), collect("^a^a", "^a"))
local it = ("a b"):gmatch("%a")
print("gmatch iterator", it(), it(), it(), it())
E("gmatch malformed", function() for _ in ("abc"):gmatch("(") do end end)
E("gmatch bad capture", function() for _ in ("abc"):gmatch("%1") do end end)

-- gsub in depth
print("gsub n limits", ("aaaa"):gsub("a", "b", 2), ("aaaa"):gsub("a", "b", -1), ("aaaa"):gsub("a", "b", 2.0))
print("gsub number repl", ("abc"):gsub("b", 5), ("abc"):gsub("b", 2.5))
print("gsub %1 without captures", ("abc"):gsub("b", "[%1]"))
print("gsub all escapes", ("hello world"):gsub("(o)", "%%%1%0%%"))
print("gsub empty match rule", ("hello world"):gsub("%w*", "x"), ("abc"):gsub("b*", "-"))
print("gsub table keys", ("a b c"):gsub("%a", {a = 1, b = true and "B"}))
print("gsub table with position key", ("abc"):gsub("()", {[1] = "<", [4] = ">"}))
print("gsub table __index", ("x y"):gsub("%a", setmetatable({}, {__index = function(t, k) return k:upper() end})))
print("gsub table __index table", ("x y"):gsub("%a", setmetatable({}, {__index = {x = "X"}})))
print("gsub func many captures", ("a1b2"):gsub("(%a)(%d)", function(a, d) return d .. a end))
print("gsub func args count", ("abc"):gsub("()(b)()", function(...) return select("#", ...) end))
print("gsub func returns number", ("a"):gsub("a", function() return 1.5 end))
print("gsub nothing changed", ("abc"):gsub("%w", function() return nil end), ("abc"):gsub("x", "y"))
E("gsub func returns table", string.gsub, "abc", "b", function() return {} end)
E("gsub table returns function", string.gsub, "abc", "b", {b = print})
E("gsub func error", string.gsub, "abc", "b", function() error("inner") end)
print("gsub func error value", select(2, pcall(string.gsub, "abc", "b", function() error({code = 1}) end)).code)
E("gsub repl trailing %", string.gsub, "abc", "b", "x%")
E("gsub repl %a", string.gsub, "abc", "b", "%a")
print("gsub repl %% only", ("abc"):gsub("b", "%%"))
print("gsub long subject", #(("ab"):rep(10000):gsub("a", "xyz")), select(2, ("ab"):rep(10000):gsub("b", "")))
print("gsub pattern with zero", ("a\0b"):gsub("\0", "0"))
print("done 41_string_patterns")
