//! The async-native execution model (DESIGN.md §3): Lua awaiting real tokio futures.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use halo_vm::callback::{Action, AsyncResolve, Error, Stack};
use halo_vm::{Ctx, Lua, LuaTask, NativeFunction, StaticValue, Value};

/// `sleep(ms)`: an async native function backed by `tokio::time::sleep`.
fn lua_sleep<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> Result<Action<'gc>, Error<'gc>> {
    let ms = halo_vm::args::check_integer(ctx, &stack, 0)?;
    Ok(Action::Await(Box::pin(async move {
        tokio::time::sleep(Duration::from_millis(ms as u64)).await;
        let resolve: AsyncResolve = Box::new(|ctx, mut stack| {
            stack.clear();
            stack.push(ctx.str_value("slept"));
            Ok(())
        });
        resolve
    })))
}

fn new_state() -> Rc<RefCell<Lua>> {
    let lua = Lua::new();
    lua.enter(|ctx| {
        halo_vm::baselib::open(ctx);
        ctx.set_global("sleep", NativeFunction::new(ctx.mc, lua_sleep).into());
    });
    Rc::new(RefCell::new(lua))
}

fn task(lua: &Rc<RefCell<Lua>>, src: &'static str) -> LuaTask {
    LuaTask::new(lua.clone(), |ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, src.as_bytes(), b"=test", None)?;
        Ok((f.into(), vec![]))
    })
    .unwrap()
}

fn run_local<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, f)
}

#[test]
fn ten_thousand_tasks_sleep_concurrently() {
    let lua = new_state();
    let elapsed = run_local(async {
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..10_000 {
            let t = task(
                &lua,
                "local n = 0 for i = 1, 3 do sleep(50) n = n + 1 end return n",
            );
            handles.push(tokio::task::spawn_local(t));
        }
        for h in handles {
            assert_eq!(h.await.unwrap().unwrap(), vec![StaticValue::Integer(3)]);
        }
        start.elapsed()
    });
    // Three sequential 50 ms sleeps each; all tasks overlap. (One after the other they would
    // take 25 minutes: the bound is loose so a loaded machine running a debug build passes.)
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(15),
        "tasks did not run concurrently: {elapsed:?}"
    );
}

#[test]
fn a_spinning_script_does_not_stall_others() {
    let lua = new_state();
    run_local(async {
        let spinner = tokio::task::spawn_local(task(&lua, "while true do end"));
        let start = Instant::now();
        let r = tokio::task::spawn_local(task(&lua, "sleep(10) sleep(10) sleep(10) return 'done'"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r, vec![StaticValue::String(b"done".to_vec())]);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        // Dropping the spinner cancels it cleanly.
        spinner.abort();
        assert!(spinner.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn await_inside_pcall_inside_coroutine_inside_metamethod() {
    let lua = new_state();
    let src = r#"
        local t = setmetatable({}, {__index = function(t, k)
            local co = coroutine.wrap(function()
                local ok, v = pcall(function()
                    local s = sleep(5)
                    return k .. "!" .. s
                end)
                coroutine.yield(ok and v or "failed")
            end)
            return co()
        end})
        local ok, err = pcall(function() sleep(1) error("boom") end)
        return t.foo, ok, err
    "#;
    let r = run_local(task(&lua, src)).unwrap();
    assert_eq!(
        r,
        vec![
            StaticValue::String(b"foo!slept".to_vec()),
            StaticValue::Boolean(false),
            StaticValue::String(b"test:12: boom".to_vec()),
        ]
    );
}

#[test]
fn errors_escaping_a_task_carry_a_traceback() {
    let lua = new_state();
    let err = run_local(task(
        &lua,
        "local function f() local x = nil; return x.y end\nf()",
    ))
    .unwrap_err();
    assert_eq!(
        err.message,
        "test:1: attempt to index a nil value (local 'x')"
    );
    assert!(
        err.traceback.starts_with("stack traceback:"),
        "{}",
        err.traceback
    );
    assert!(err.traceback.contains("test:1:"), "{}", err.traceback);
}

#[test]
fn blocking_execute_runs_awaits_too() {
    let lua = new_state();
    // `Lua::execute` is for hosts without a runtime; tokio timers need one, so use a plain
    // std future here.
    let mut lua = Rc::try_unwrap(lua).ok().unwrap().into_inner();
    lua.enter(|ctx| {
        fn ready<'gc>(
            _: Ctx<'gc>,
            _: NativeFunction<'gc>,
            _: Stack<'gc, '_>,
        ) -> Result<Action<'gc>, Error<'gc>> {
            Ok(Action::Await(Box::pin(async {
                let r: AsyncResolve = Box::new(|_ctx, mut s| {
                    s.push(Value::Integer(7));
                    Ok(())
                });
                r
            })))
        }
        ctx.set_global("ready", NativeFunction::new(ctx.mc, ready).into());
    });
    let r = lua
        .execute(|ctx| {
            let f = halo_vm::baselib::load_chunk(ctx, b"return ready() * 6", b"=t", None)?;
            Ok((f.into(), vec![]))
        })
        .unwrap();
    assert_eq!(r, vec![StaticValue::Integer(42)]);
}
