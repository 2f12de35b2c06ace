//! Per-task and per-state limits (issue: bounded CPU and memory per script): the memory limit
//! raises a catchable "not enough memory", the instruction budget and the wall deadline stop a
//! task for good, and the state stays usable afterwards.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use halo_vm::callback::{Action, AsyncResolve, Error, Stack};
use halo_vm::{Ctx, ErrorKind, Lua, LuaTask, NativeFunction, StaticValue};

fn lua_sleep<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> Result<Action<'gc>, Error<'gc>> {
    let ms = halo_vm::args::check_integer(ctx, &stack, 0)?;
    Ok(Action::Await(Box::pin(async move {
        tokio::time::sleep(Duration::from_millis(ms as u64)).await;
        let resolve: AsyncResolve = Box::new(|_ctx, mut stack| {
            stack.clear();
            Ok(())
        });
        resolve
    })))
}

fn new_lua() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        halo_vm::baselib::open(ctx);
        ctx.set_global("sleep", NativeFunction::new(ctx.mc, lua_sleep).into());
    });
    lua
}

fn run(lua: &mut Lua, src: &'static str) -> Result<Vec<StaticValue>, halo_vm::RunError> {
    lua.execute(|ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, src.as_bytes(), b"=test", None)?;
        Ok((f.into(), vec![]))
    })
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
    tokio::task::LocalSet::new().block_on(&rt, f)
}

fn s(v: &str) -> StaticValue {
    StaticValue::String(v.as_bytes().to_vec())
}

#[test]
fn memory_limit_is_a_catchable_error_and_the_state_recovers() {
    let mut lua = new_lua();
    lua.set_memory_limit(Some(8 << 20));
    let r = run(
        &mut lua,
        "local ok, e = pcall(function() local t = {} for i = 1, 1e8 do t[i] = {} end end)
         collectgarbage()
         local after = {} for i = 1, 1000 do after[i] = {} end
         return ok, e, #after",
    )
    .unwrap();
    assert_eq!(
        r,
        vec![
            StaticValue::Boolean(false),
            s("not enough memory"),
            StaticValue::Integer(1000)
        ]
    );
    assert!(lua.memory_used() < 8 << 20, "{}", lua.memory_used());
}

#[test]
fn concatenation_is_checked_before_it_allocates() {
    let mut lua = new_lua();
    lua.set_memory_limit(Some(16 << 20));
    let e = run(
        &mut lua,
        "local s = 'x' for i = 1, 40 do s = s .. s end return #s",
    )
    .unwrap_err();
    assert_eq!(e.message, "not enough memory");
    assert_eq!(e.kind, ErrorKind::Lua);
    // Without a limit the same state works again.
    lua.set_memory_limit(None);
    assert_eq!(
        run(
            &mut lua,
            "local s = 'x' for i = 1, 10 do s = s .. s end return #s"
        )
        .unwrap(),
        vec![StaticValue::Integer(1024)]
    );
}

#[test]
fn memory_accounting_returns_to_its_baseline() {
    let mut lua = new_lua();
    lua.gc_full();
    let base = lua.memory_used();
    run(
        &mut lua,
        "local t = {} for i = 1, 10000 do t[i] = {tostring(i), function() return i end} end",
    )
    .unwrap();
    lua.gc_full();
    lua.gc_full();
    let after = lua.memory_used();
    assert!(after < base + 64 * 1024, "base {base}, after {after}");
}

#[test]
fn instruction_limit_stops_a_loop_pcall_cannot_escape() {
    let lua = Rc::new(RefCell::new(new_lua()));
    let r = run_local(async {
        let t =
            task(&lua, "while true do pcall(function() end) end").with_instruction_limit(1_000_000);
        t.await
    });
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InstructionLimit);
    // The state is fine for the next task.
    let r = run_local(task(&lua, "return 1 + 1"));
    assert_eq!(r.unwrap(), vec![StaticValue::Integer(2)]);
}

#[test]
fn instruction_limit_charges_calls_that_never_return() {
    // Found by the `execute` fuzzer: a frame's code is charged when it returns, so a recursion
    // down to the stack limit, with a `load` at every level, once ran its million frames
    // uncharged (seconds of work past a budget of 100 000).
    let lua = Rc::new(RefCell::new(new_lua()));
    let r = run_local(
        task(
            &lua,
            "local n = 0 local function f() n = n + 1 load('return 1') f() end f()",
        )
        .with_instruction_limit(100_000),
    );
    assert_eq!(r.unwrap_err().kind, ErrorKind::InstructionLimit);
    let r = run_local(task(
        &lua,
        "local n = 0 local function f() n = n + 1 f() end pcall(f) return n",
    ));
    // Without a budget the same recursion reaches the stack limit, as in lua5.4.
    let Ok(v) = r else { panic!("{r:?}") };
    assert!(
        matches!(v[0], StaticValue::Integer(n) if n > 100_000),
        "{v:?}"
    );
}

#[test]
fn deadline_stops_a_busy_task() {
    let lua = Rc::new(RefCell::new(new_lua()));
    let start = Instant::now();
    let r = run_local(async {
        task(&lua, "while true do end")
            .with_deadline(Instant::now() + Duration::from_millis(50))
            .await
    });
    assert_eq!(r.unwrap_err().kind, ErrorKind::Deadline);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn deadline_wakes_a_task_that_awaits() {
    let lua = Rc::new(RefCell::new(new_lua()));
    let start = Instant::now();
    let r = run_local(async {
        task(&lua, "sleep(60000) return 'woke'")
            .with_deadline(Instant::now() + Duration::from_millis(50))
            .await
    });
    assert_eq!(r.unwrap_err().kind, ErrorKind::Deadline);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}
