-- 19_runtime_messages: the exact wording of runtime error messages, including
-- variable descriptions (local, global, field, upvalue, method, constant)
-- Group A: core language only.
print("== 19_runtime_messages ==")

local cases = {
  {"index nil local", "local a; return a.x"},
  {"index nil global", "return g.x"},
  {"index nil field", "local t = {} return t.f.x"},
  {"index nil upvalue", "local u; return (function() return u.x end)()"},
  {"index nil integer key", "local t = {} return t[1].x"},
  {"index nil string key var", "local t, k = {}, 'key' return t[k].x"},
  {"index number", "local n = 3 return n.x"},
  {"index boolean global", "flag = true; return flag.x"},
  {"index function", "return print.x"},
  {"index result of call", "local function f() end return f().x"},
  {"index nested global field", "gt = {} return gt.nothing.x"},
  {"assign index nil local", "local a; a.x = 1"},
  {"assign index nil global", "g.x = 1"},
  {"assign index field", "local t = {} t.a.b.c = 1"},
  {"call nil global", "nofunc()"},
  {"call nil local", "local f; f()"},
  {"call nil field", "local t = {} t.f()"},
  {"call nil method", "local t = {} t:m()"},
  {"call nil upvalue", "local f; return (function() f() end)()"},
  {"call number", "local n = 1; n()"},
  {"call string method missing", "local s = 'x'; s:nomethod()"},
  {"call field of global", "gt = {} local x = gt.nofunc()"},
  {"call boolean constant", "return (true)()"},
  {"call result", "local function f() end f()()"},
  {"arith nil field", "local t = {} return t.x + 1"},
  {"arith nil global", "return missing * 2"},
  {"arith nil upvalue", "local u; return (function() return u - 1 end)()"},
  {"arith table local", "local t = {} return t / 2"},
  {"arith string", "local s = 'abc' return s + 1"},
  {"arith bool constant", "return 1 + true"},
  {"arith on call result", "local function f() end return f() + 1"},
  {"unm nil", "local x; return -x"},
  {"concat table local", "local t = {} return 'a' .. t"},
  {"concat nil global", "return 'a' .. nothing"},
  {"concat nil field", "local t = {} return t.x .. 'a'"},
  {"concat boolean", "local b = false return b .. ''"},
  {"concat function", "return print .. ''"},
  {"compare number nil", "local x; return 1 < x"},
  {"compare nil number", "local x; return x < 1"},
  {"compare string number", "return 'a' < 1"},
  {"compare tables", "return {} < {}"},
  {"compare table nil", "return {} <= nil"},
  {"compare bool", "return true > false"},
  {"compare mixed le", "return 1 <= 'x'"},
  {"bitwise float", "local f = 1.5 return f | 1"},
  {"bitwise string", "local s = 'x' return s & 1"},
  {"bitwise nil field", "local t = {} return t.x >> 1"},
  {"len nil", "local x; return #x"},
  {"len number global", "n = 1; return #n"},
  {"idiv by zero", "local z = 0 return 1 // z"},
  {"mod by zero", "local z = 0 return 1 % z"},
  {"for initial", "for i = nil, 1 do end"},
  {"for limit", "for i = 1, {} do end"},
  {"for step", "for i = 1, 2, 'x' do end"},
  {"for step zero", "for i = 1, 2, 0 do end"},
  {"table index nil", "local t = {} t[nil] = 1"},
  {"table index nan", "local t = {} t[0/0] = 1"},
  {"integer representation", "local t = {} return 2^63 | 0"},
  {"upvalue field call", "local t = {} return (function() return t.a.b() end)()"},
  {"error in nested function", "local function f() local x = nil; return x[1] end return f()"},
  {"global table nil field", "t = {} return t.x.y"},
  {"string field call", "local s = 'abc' return s.x()"},
  {"method on number", "local n = 5 return n:foo()"},
  {"integer for overflow string", "for i = 1, 'x' do end"},
  {"setmetatable protected", "local t = setmetatable({}, {__metatable = 1}) setmetatable(t, {})"},
  {"tostring __name", "local t = setmetatable({}, {__name = 'Thing'}) return t < t"},
  {"__name in concat", "local t = setmetatable({}, {__name = 'Thing'}) return t .. ''"},
  {"__name non-string", "local t = setmetatable({}, {__name = 42}) return t .. ''"},
  {"close non-closable", "local x <close> = 1"},
}

for _, c in ipairs(cases) do
  local f, cerr = load(c[2], "=" .. c[1])
  if not f then
    print(c[1], "compile error", cerr)
  else
    print(c[1], pcall(f))
  end
end
print("done 19_runtime_messages")
