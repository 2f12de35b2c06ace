//! Library functions that loop without calling Lua still return to the executor now and then
//! (`Action::Pause`), so a task's instruction budget and deadline stop them: the proxy's promise
//! of bounded CPU per script holds for `table.move` over a range of a trillion nils too (lua5.4
//! would spin there for hours).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use halo_vm::{ErrorKind, Lua, LuaTask, StaticValue};

fn new_lua() -> Rc<RefCell<Lua>> {
    let lua = Lua::new();
    lua.enter(halo_stdlib::open_all);
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
    tokio::task::LocalSet::new().block_on(&rt, f)
}

const ENDLESS: [&str; 4] = [
    "table.move({}, 1, 1e15, 1, {})",
    "local t = {} table.move(t, 1, 1e15, 2)",
    "table.insert(setmetatable({}, {__len = function() return 1e15 end}), 1, 'x')",
    "table.remove(setmetatable({}, {__len = function() return 1e15 end}), 1)",
];

#[test]
fn instruction_budget_stops_long_library_loops() {
    let lua = new_lua();
    for src in ENDLESS {
        let start = Instant::now();
        let r = run_local(task(&lua, src).with_instruction_limit(500_000));
        assert_eq!(r.unwrap_err().kind, ErrorKind::InstructionLimit, "{src}");
        assert!(start.elapsed() < Duration::from_secs(20), "{src}");
    }
    // The state is fine afterwards.
    let r = run_local(task(&lua, "return #table.move({1, 2, 3}, 1, 3, 2)"));
    assert_eq!(r.unwrap(), vec![StaticValue::Integer(4)]);
}

#[test]
fn deadline_stops_long_library_loops() {
    let lua = new_lua();
    for src in ENDLESS {
        let start = Instant::now();
        let r = run_local(async {
            task(&lua, src)
                .with_deadline(Instant::now() + Duration::from_millis(100))
                .await
        });
        assert_eq!(r.unwrap_err().kind, ErrorKind::Deadline, "{src}");
        assert!(start.elapsed() < Duration::from_secs(20), "{src}");
    }
}

#[test]
fn paused_machines_finish_with_the_right_result() {
    let lua = new_lua();
    let r = run_local(
        task(
            &lua,
            r#"
        local n = 100000
        local src = setmetatable({}, {__index = function(_, k) return k * 2 end})
        local dst = table.move(src, 1, n, 1, {})
        local s = setmetatable({}, {__len = function() return n end})
        table.insert(s, 1, "x")
        local removed = table.remove(s, 1)
        return #dst, dst[1], dst[n], removed
        "#,
        )
        .with_slice(1000),
    );
    assert_eq!(
        r.unwrap(),
        vec![
            StaticValue::Integer(100000),
            StaticValue::Integer(2),
            StaticValue::Integer(200000),
            StaticValue::String(b"x".to_vec()),
        ]
    );
}
