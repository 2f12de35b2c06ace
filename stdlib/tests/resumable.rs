//! The table, math and os functions that call Lua (comparators, `__lt`, `__index`,
//! `__newindex`, `__len`) do it through the executor: those calls may yield and await, which
//! lua5.4 refuses ("attempt to yield across a C-call boundary"), so this is tested here rather
//! than in the differential suite.

use halo_vm::callback::{Action, AsyncResolve, Error, Stack};
use halo_vm::{Ctx, Lua, NativeFunction, StaticValue, Value};

/// `ready(v)`: an async native function returning `v` once its (immediately ready) future is
/// polled.
fn ready<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> Result<Action<'gc>, Error<'gc>> {
    let v = match stack.get(0) {
        Value::Integer(i) => Some(i),
        _ => None,
    };
    Ok(Action::Await(Box::pin(async move {
        let r: AsyncResolve = Box::new(move |_ctx, mut s| {
            s.clear();
            s.push(v.map_or(Value::Nil, Value::Integer));
            Ok(())
        });
        r
    })))
}

fn run(src: &str) -> Vec<StaticValue> {
    let mut lua = Lua::new();
    lua.enter(|ctx| {
        halo_stdlib::open_all(ctx);
        ctx.set_global("ready", NativeFunction::new(ctx.mc, ready).into());
    });
    lua.execute(|ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, src.as_bytes(), b"=test", None)?;
        Ok((f.into(), vec![]))
    })
    .unwrap_or_else(|e| panic!("{}", e.message))
}

fn string(v: &StaticValue) -> String {
    match v {
        StaticValue::String(s) => String::from_utf8_lossy(s).into_owned(),
        other => format!("{other:?}"),
    }
}

#[test]
fn comparators_and_metamethods_yield() {
    let r = run(r#"
        local co = coroutine.wrap(function()
          local yt = {5, 3, 8, 1, 9, 2}
          table.sort(yt, function(a, b) coroutine.yield("cmp") return a < b end)
          local ylog = {}
          local yp = setmetatable({}, {
            __index = function(_, k) coroutine.yield("get") return ylog[k] end,
            __newindex = function(_, k, v) coroutine.yield("set") ylog[k] = v end,
            __len = function() coroutine.yield("len") return #ylog end,
          })
          table.insert(yp, "p")
          table.insert(yp, 1, "q")
          local c = table.concat(yp, "|")
          local u1, u2 = table.unpack(yp)
          local r = table.remove(yp)
          table.move(yp, 1, 1, 3)
          local objs = {}
          local ylt = {__lt = function(a, b) coroutine.yield("lt") return a.v < b.v end}
          for i = 1, 10 do objs[i] = setmetatable({v = (i * 7) % 10}, ylt) end
          table.sort(objs)
          local ov = {}
          for i = 1, 10 do ov[i] = objs[i].v end
          local mx = math.max(objs[3], objs[1], objs[2]).v
          local when = os.time(setmetatable({}, {__index = function(_, k)
            coroutine.yield("field")
            return ({year = 2020, month = 1, day = 2, hour = 0})[k]
          end}))
          return table.concat(yt, ",") .. " " .. c .. " " .. u1 .. u2 .. " " .. r .. " "
            .. tostring(ylog[3]) .. " " .. table.concat(ov, ",") .. " " .. mx .. " "
            .. os.date("!%F", when)
        end)
        local yields, res = 0
        repeat
          res = co()
          yields = yields + 1
        until res ~= "cmp" and res ~= "get" and res ~= "set" and res ~= "len"
          and res ~= "lt" and res ~= "field"
        return res, yields
    "#);
    let got = string(&r[0]);
    assert!(
        got.starts_with("1,2,3,5,8,9 q|p qp p q 0,1,2,3,4,5,6,7,8,9 2 2020-01-0"),
        "{got}"
    );
    assert!(
        matches!(r[1], StaticValue::Integer(n) if n > 50),
        "{:?}",
        r[1]
    );
}

#[test]
fn comparators_await() {
    let r = run(r#"
        local t = {}
        for i = 1, 200 do t[i] = (i * 7919) % 211 end
        table.sort(t, function(a, b) return ready(a) < ready(b) end)
        for i = 2, #t do assert(t[i - 1] <= t[i]) end
        local p = setmetatable({}, {__index = function(_, k) return ready(k * 2) end,
                                    __len = function() return ready(3) end})
        return table.concat(t, ",", 1, 5), table.concat(p, "+")
    "#);
    assert_eq!(string(&r[0]), "1,2,3,4,5");
    assert_eq!(string(&r[1]), "2+4+6");
}

#[test]
fn inconsistent_comparators_terminate() {
    // Whatever a comparator answers, sort ends (sorted or with PUC-Rio's error).
    let r = run(r#"
        local seed = 1
        local function coin()
          seed = (seed * 1103515245 + 12345) % 2147483648
          return seed % 2 == 0
        end
        local outcomes = {}
        for n = 1, 60 do
          local t = {}
          for i = 1, n * 10 do t[i] = i end
          local ok, err = pcall(table.sort, t, function() return coin() end)
          outcomes[#outcomes + 1] = ok and "ok" or err
        end
        local always = {}
        for i = 1, 500 do always[i] = i % 7 end
        local ok, err = pcall(table.sort, always, function() return true end)
        return #outcomes, ok, err
    "#);
    assert_eq!(r[0], StaticValue::Integer(60));
    assert_eq!(r[1], StaticValue::Boolean(false));
    assert_eq!(string(&r[2]), "invalid order function for sorting");
}

#[test]
fn big_sorts_match_a_reference_order() {
    let r = run(r#"
        local t, u, s = {}, {}, {}
        for i = 1, 20000 do
          t[i] = (i * 7919) % 20011
          u[i] = t[i] + 0.5
          s[i] = tostring(t[i])
        end
        table.sort(t)
        table.sort(u, function(a, b) return a > b end)
        table.sort(s)
        for i = 2, #t do
          assert(t[i - 1] <= t[i] and u[i - 1] >= u[i] and s[i - 1] <= s[i])
        end
        return t[1], t[20000], u[1], s[1], s[20000]
    "#);
    // As lua5.4 prints them.
    assert_eq!(r[0], StaticValue::Integer(1));
    assert_eq!(r[1], StaticValue::Integer(20010));
    assert_eq!(r[2], StaticValue::Number(20010.5));
    assert_eq!(string(&r[3]), "1");
    assert_eq!(string(&r[4]), "9999");
}
