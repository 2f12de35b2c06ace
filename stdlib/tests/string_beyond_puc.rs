//! String-library behaviour the differential suite cannot check because lua5.4 cannot do it:
//! Lua called from `gsub` and `format` may yield and await (PUC-Rio: "attempt to yield across a
//! C-call boundary"), and inputs on which PUC-Rio hangs return.

use halo_vm::callback::{Action, AsyncResolve, Error, Stack};
use halo_vm::{Ctx, Lua, NativeFunction, StaticValue, Value};

/// `later(v)`: an async native that returns `v` uppercased once its future completes.
fn later<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> Result<Action<'gc>, Error<'gc>> {
    let s = halo_vm::args::check_string(ctx, &stack, 0)?
        .as_bytes()
        .to_ascii_uppercase();
    Ok(Action::Await(Box::pin(async move {
        let resolve: AsyncResolve = Box::new(move |ctx, mut stack| {
            stack.clear();
            stack.push(Value::String(ctx.bytes(&s)));
            Ok(())
        });
        resolve
    })))
}

fn run(src: &str) -> Result<Vec<StaticValue>, String> {
    let mut lua = Lua::new();
    lua.enter(|ctx| {
        halo_stdlib::open_all(ctx);
        ctx.set_global("later", NativeFunction::new(ctx.mc, later).into());
    });
    lua.execute(|ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, src.as_bytes(), b"=test", None)?;
        Ok((f.into(), vec![]))
    })
    .map_err(|e| e.message)
}

fn s(v: &str) -> StaticValue {
    StaticValue::String(v.as_bytes().to_vec())
}

#[test]
fn gsub_function_may_yield() {
    let r = run(r#"
        local co = coroutine.wrap(function()
            return string.gsub("a b c", "%w", function(c) return coroutine.yield(c) end)
        end)
        local seen = co()
        while true do
            local r, n = co(seen:upper())
            if n then return r, n, seen end
            seen = r
        end
    "#);
    assert_eq!(r, Ok(vec![s("A B C"), StaticValue::Integer(3), s("c")]));
}

#[test]
fn gsub_function_and_index_may_await() {
    let r = run(r#"
        local a = ("x-y"):gsub("%a", later)
        local b = ("x-y"):gsub("%a", setmetatable({}, {__index = function(_, k) return later(k .. k) end}))
        return a, b
    "#);
    assert_eq!(r, Ok(vec![s("X-Y"), s("XX-YY")]));
}

#[test]
fn format_tostring_may_await_and_yield() {
    let r = run(r#"
        local t = setmetatable({}, {__tostring = function() return later("obj") end})
        local co = coroutine.wrap(function()
            local u = setmetatable({}, {__tostring = function() return coroutine.yield() end})
            return string.format("%s|%5s|%-4s|%d", t, u, t, 7)
        end)
        co()
        return co("ab")
    "#);
    assert_eq!(r, Ok(vec![s("OBJ|   ab|OBJ |7")]));
}

#[test]
fn errors_raised_in_callbacks_propagate() {
    let r = run(r#"
        local ok, e = pcall(string.gsub, "abc", "b", function() error("cb", 0) end)
        local ok2, e2 = pcall(string.format, "%s", setmetatable({}, {__tostring = function() return {} end}))
        return ok, e, ok2, e2
    "#);
    assert_eq!(
        r,
        Ok(vec![
            StaticValue::Boolean(false),
            s("cb"),
            StaticValue::Boolean(false),
            s("'__tostring' must return a string"),
        ])
    );
}

#[test]
fn empty_rep_returns_instead_of_looping() {
    let r = run(r#"return #(""):rep(1 << 62), #(""):rep(1 << 62, "")"#);
    assert_eq!(
        r,
        Ok(vec![StaticValue::Integer(0), StaticValue::Integer(0)])
    );
}

#[test]
fn dump_is_unavailable() {
    let r = run(r#"return pcall(string.dump, function() end)"#);
    assert_eq!(
        r,
        Ok(vec![
            StaticValue::Boolean(false),
            s("unable to dump given function"),
        ])
    );
}
