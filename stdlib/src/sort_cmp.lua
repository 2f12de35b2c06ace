-- table.sort with a comparator on a plain table: PUC-Rio 5.4's auxsort/partition (ltablib.c)
-- step for step, in Lua, so that each comparison is a Lua-to-Lua call. Called (by a tail call
-- from the native `table.sort`) with the table, its length, the comparator and two natives:
-- `invalid(depth)` raises "invalid order function for sorting" at the caller of table.sort,
-- `randomize()` is l_randomizePivot. IdxT is unsigned in C: `unsigned` emulates it.
local t, n, cmp, invalid, randomize = ...

local function unsigned(x) return x & 0xFFFFFFFF end

local function auxsort(t, lo, up, rnd, cmp, depth)
  while lo < up do
    -- sort elements a[lo], a[p] and a[up]
    local alo, aup = t[lo], t[up]
    if cmp(aup, alo) then
      t[lo] = aup; t[up] = alo
    end
    if up - lo == 1 then break end
    local p
    if up - lo < 100 or rnd == 0 then
      p = (lo + up) // 2
    else
      local r4 = (up - lo) // 4
      p = rnd % (r4 * 2) + (lo + r4)
    end
    local ap = t[p]
    alo = t[lo]
    if cmp(ap, alo) then
      t[p] = alo; t[lo] = ap
    else
      aup = t[up]
      if cmp(aup, ap) then
        t[p] = aup; t[up] = ap
      end
    end
    if up - lo == 2 then break end
    local pivot = t[p]
    local aup1 = t[up - 1]
    t[p] = aup1; t[up - 1] = pivot
    -- partition: invariant a[lo .. i] <= P <= a[j .. up], a[up - 1] == P
    local i, j = lo, up - 1
    while true do
      i = i + 1
      local ai = t[i]
      while cmp(ai, pivot) do
        if i == up - 1 then invalid(depth) end
        i = i + 1
        ai = t[i]
      end
      j = j - 1
      local aj = t[j]
      while cmp(pivot, aj) do
        if j < i then invalid(depth) end
        j = j - 1
        aj = t[j]
      end
      if j < i then
        t[up - 1] = ai; t[i] = pivot
        break
      end
      t[i] = aj; t[j] = ai
    end
    p = i
    local n
    if p - lo < up - p then
      auxsort(t, lo, p - 1, rnd, cmp, depth + 1)
      n = p - lo
      lo = p + 1
    else
      auxsort(t, p + 1, up, rnd, cmp, depth + 1)
      n = up - p
      up = p - 1
    end
    if unsigned(up - lo) // 128 > n then
      rnd = randomize()
    end
  end
end

auxsort(t, 1, n, 0, cmp, 1)
