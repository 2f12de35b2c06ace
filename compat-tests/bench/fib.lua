-- Recursive Fibonacci: Lua-to-Lua calls, returns and small-integer arithmetic.
-- Size: arg[1] = n (fib(n) is computed).
-- test size: 15
-- `// 1` makes the size argument an integer without tonumber (which piccolo lacks).
local n = (arg and arg[1] or 35) // 1

local function fib(k)
  if k < 2 then return k end
  return fib(k - 1) + fib(k - 2)
end

print(fib(n))
