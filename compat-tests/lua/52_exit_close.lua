-- os.exit(code, true) closes the state before exiting: nothing catches it (not pcall, not
-- coroutine.resume), the main thread's pending to-be-closed variables are closed (with a nil
-- error, innermost first), then finalizers run; the exit status is the code.
KEEP = setmetatable({}, {__gc = function() print("finalizer of a live object") end})
io.write("buffered output is flushed\n")
local outer <close> = setmetatable({}, {__close = function(_, e) print("closed outer", e) end})
print(pcall(function()
  local inner <close> = setmetatable({}, {__close = function(_, e) print("closed inner", e) end})
  local co = coroutine.wrap(function()
    -- A coroutine's own pending variables are not closed (only the main thread's are).
    local c <close> = setmetatable({}, {__close = function() print("closed in coroutine") end})
    print(pcall(os.exit, 3, true))
  end)
  print(coroutine.resume(coroutine.create(function() co() end)))
end))
print("not reached")
