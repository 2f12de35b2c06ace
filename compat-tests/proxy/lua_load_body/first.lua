-- lua-load bodies run once, in order, in one shared state: globals set here are seen by the
-- next file and by every later context.
loaded = { "first" }
local function count() return #loaded end
counter = count
