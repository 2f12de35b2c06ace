//! Behaviour of io, package and the base file functions that the differential suite cannot
//! check against lua5.4 (where Halo deliberately differs or goes beyond PUC-Rio): module
//! bodies and searchers that yield, C modules, `io.popen` forbidden by the host.

use halo_vm::{Lua, StaticValue};

fn run(lua: &mut Lua, code: &str) -> Result<Vec<StaticValue>, String> {
    lua.execute(|ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, code.as_bytes(), b"=test", None)?;
        Ok((f.into(), vec![]))
    })
    .map_err(|e| e.message)
}

fn state() -> Lua {
    let lua = Lua::new();
    lua.enter(halo_stdlib::open_all);
    lua
}

fn s(v: &str) -> StaticValue {
    StaticValue::String(v.as_bytes().to_vec())
}

#[test]
fn module_body_and_searchers_may_yield() {
    let mut lua = state();
    let r = run(
        &mut lua,
        r#"
        package.preload.m = function(name, data)
          local v = coroutine.yield("inside " .. name)
          return {got = v, data = data}
        end
        local co = coroutine.wrap(function() local m, d = require("m") return m.got, m.data, d end)
        local first = co()
        local a, b, c = co("resumed")
        -- a searcher that yields too
        package.searchers[#package.searchers + 1] = function(name)
          coroutine.yield("searching " .. name)
          return function() return "late" end, "x"
        end
        local co2 = coroutine.wrap(function() return require("late") end)
        local s1 = co2()
        local r = co2()
        return first, a, b, c, s1, r
        "#,
    )
    .unwrap();
    assert_eq!(
        r,
        vec![
            s("inside m"),
            s("resumed"),
            s(":preload:"),
            s(":preload:"),
            s("searching late"),
            s("late"),
        ]
    );
}

#[test]
fn c_modules_cannot_load() {
    let dir = std::env::temp_dir().join(format!("halo-cmod-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cmod.so"), b"not a library").unwrap();
    let mut lua = state();
    let code = format!(
        r#"
        package.cpath = "{0}/?.so"
        local ok, e = pcall(require, "cmod")
        local ok2, e2 = pcall(require, "cmod.sub")
        return ok, e, ok2, e2, package.loadlib("{0}/cmod.so", "luaopen_cmod")
        "#,
        dir.display()
    );
    let r = run(&mut lua, &code).unwrap();
    let msg = "dynamic libraries are not supported by Halo (C modules cannot be loaded)";
    let file = format!("{}/cmod.so", dir.display());
    assert_eq!(
        r,
        vec![
            StaticValue::Boolean(false),
            s(&format!(
                "error loading module 'cmod' from file '{file}':\n\t{msg}"
            )),
            StaticValue::Boolean(false),
            s(&format!(
                "error loading module 'cmod.sub' from file '{file}':\n\t{msg}"
            )),
            StaticValue::Nil,
            s(msg),
            s("absent"),
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn popen_can_be_forbidden() {
    let mut lua = Lua::new();
    lua.enter(|ctx| {
        halo_vm::baselib::open(ctx);
        halo_stdlib::iolib::open(ctx, false);
    });
    let r = run(
        &mut lua,
        r#"
        local ok, e = pcall(io.popen, "echo hi")
        local ok2, e2 = pcall(io.popen, "echo hi", "x")
        return ok, e, ok2, e2
        "#,
    )
    .unwrap();
    assert_eq!(
        r,
        vec![
            StaticValue::Boolean(false),
            s("'popen' not supported"),
            StaticValue::Boolean(false),
            s("bad argument #2 to 'io.popen' (invalid mode)"),
        ]
    );
}

#[test]
fn files_are_flushed_when_the_state_goes_away() {
    let path = std::env::temp_dir().join(format!("halo-drop-{}", std::process::id()));
    {
        let mut lua = state();
        let code = format!(
            "F = io.open('{}', 'w') F:setvbuf('full', 1 << 20) F:write('kept')",
            path.display()
        );
        run(&mut lua, &code).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"kept");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn dofile_runs_in_the_callers_thread_and_may_yield() {
    let path = std::env::temp_dir().join(format!("halo-dofile-{}.lua", std::process::id()));
    std::fs::write(&path, "return coroutine.yield(1) + 1").unwrap();
    let mut lua = state();
    let code = format!(
        "local co = coroutine.wrap(function() return dofile('{}') end) return co(), co(41)",
        path.display()
    );
    let r = run(&mut lua, &code).unwrap();
    assert_eq!(r, vec![StaticValue::Integer(1), StaticValue::Integer(42)]);
    std::fs::remove_file(path).unwrap();
}
