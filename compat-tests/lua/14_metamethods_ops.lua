-- 14_metamethods_ops: arithmetic, bitwise, unary and concat metamethods,
-- operand order, fallback rules and error messages
-- Group A: core language only.
print("== 14_metamethods_ops ==")

local function run(name, src, ...)
  local f, err = load(src, "=" .. name)
  if not f then print(name, "compile error", err) return end
  print(name, pcall(f, ...))
end

local function desc(x)
  if type(x) == "table" then return "V(" .. tostring(rawget(x, "v")) .. ")" end
  return tostring(x)
end

local events = {"add", "sub", "mul", "div", "mod", "pow", "unm", "idiv",
                "band", "bor", "bxor", "shl", "shr", "bnot", "concat"}
local mt = {}
for _, e in ipairs(events) do
  mt["__" .. e] = function(a, b)
    return e .. "(" .. desc(a) .. "," .. desc(b) .. ")"
  end
end
local V = setmetatable({v = 1}, mt)
local W = setmetatable({v = 2}, mt)

print("add", V + 1, 1 + V, V + W, V + "s")
print("sub", V - 1, 1 - V)
print("mul", V * 2, 2 * V)
print("div", V / 2, 2 / V)
print("mod", V % 2, 2 % V)
print("pow", V ^ 2, 2 ^ V)
print("idiv", V // 2, 2 // V)
print("band", V & 1, 1 & V)
print("bor", V | 1, 1 | V)
print("bxor", V ~ 1, 1 ~ V)
print("shl", V << 1, 1 << V)
print("shr", V >> 1, 1 >> V)
-- unary: second operand is a copy of the first
print("unm", -V)
print("bnot", ~V)
print("concat", V .. "x", "x" .. V, V .. W, 1 .. V)

-- the first operand's metamethod is preferred; if absent, the second's
local onlyB = setmetatable({v = "B"}, {__add = function(a, b) return "B's add " .. desc(a) .. " " .. desc(b) end})
local plain = {v = "plain"}
print("second operand mm", plain + onlyB, onlyB + plain)
local mtA = {__add = function() return "A" end}
local mtB = {__add = function() return "B" end}
print("first wins", setmetatable({}, mtA) + setmetatable({}, mtB), setmetatable({}, mtB) + setmetatable({}, mtA))

-- bitwise metamethods are tried for floats without integer representation? No:
-- for numbers the error is raised; for tables the metamethod is used
local bw = setmetatable({}, {__band = function() return "band mm" end})
print("band on 1.5 & table", 1.5 & bw)
run("1.5 & 1", "local a = 1.5 return a & 1")

-- strings with arithmetic metamethods: string coercion happens in the string
-- metatable; numbers do not have metatables
print("string arith", "10" * "2", "3" - 1)

-- metamethods can return any value, including multiple (truncated to one)
local multi = setmetatable({}, {__add = function() return 1, 2, 3 end})
print("mm truncated", multi + 1)
local nilret = setmetatable({}, {__unm = function() return nil end})
print("mm nil", -nilret)

-- __index metamethods used by operators
local lenmt = setmetatable({}, {__len = function() return 7 end})
print("len", #lenmt)

-- errors when no metamethod
run("table + 1", "local t = {} return t + 1")
run("1 + table", "local t = {} return 1 + t")
run("table .. string", "local t = {} return t .. 'x'")
run("string .. table", "local t = {} return 'x' .. t")
run("-table", "local t = {} return -t")
run("~table", "local t = {} return ~t")
run("table << 1", "local t = {} return t << 1")
run("table field % 2", "local t = {f = {}} return t.f % 2")
run("upvalue ^ 2", "local u = {} return (function() return u ^ 2 end)()")

-- __unm and __len receive the operand twice
local seen
local twice = setmetatable({}, {__unm = function(a, b) seen = rawequal(a, b); return 0 end})
local _ = -twice
print("unm args equal", seen)

-- integer/float conversion inside metamethods
local conv = setmetatable({}, {__div = function(a, b) return 10 // 3 end})
print("mm returns int", conv / 1)

-- __concat with numbers on the other side
local cat = setmetatable({}, {__concat = function(a, b)
  return (type(a) == "number" and "num" or "tbl") .. "|" .. (type(b) == "number" and "num" or "tbl")
end})
print("concat nums", 1 .. cat, cat .. 2.5)
-- a chain: values to the right are concatenated first
print("chain", 1 .. 2 .. cat)

-- __close/__gc/__mode are not operators; __call on a table used as metamethod
local callable = setmetatable({}, {__call = function(self, a, b) return "callable mm " .. desc(a) .. " " .. desc(b) end})
local withcallable = setmetatable({v = "cm"}, {__add = callable})
print("callable metamethod", withcallable + 1)
-- __index via callable table is not called; tables are indexed instead
local idx = setmetatable({k = "from table"}, {__call = function() return "called" end})
print("__index table with __call", setmetatable({}, {__index = idx}).k)
print("done 14_metamethods_ops")
