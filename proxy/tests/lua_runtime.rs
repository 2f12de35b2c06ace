//! The Lua runtime without any network: loading `lua-load` files, registrations, init functions,
//! tasks, `core.done`, `core.sleep` as a real await, execution contexts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use halo::lua::invocation::{ExecContext, Run};
use halo::lua::runtime::{LuaRuntime, LuaSettings};
use halo::lua_names::{ActionKind, ServiceMode};
use halo_vm::{StaticValue, Value};

/// A script in a temporary file, removed on drop.
struct Script(PathBuf);

impl Script {
    fn new(src: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "halo-rt-{}-{}.lua",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&p, src).unwrap();
        Script(p)
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn local<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio::task::LocalSet::new().block_on(&rt, f)
}

fn eval(rt: &LuaRuntime, kind: ExecContext, src: &'static str) -> Run {
    rt.run(kind, move |ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, src.as_bytes(), b"=t", None)?;
        Ok((Value::Function(halo_vm::Function::Lua(f)), vec![]))
    })
    .unwrap()
}

#[test]
fn body_registers_and_names_are_read_back() {
    let s = Script::new(
        r#"
        local a, b = ...
        assert(a == "x" and b == "y")
        core.register_action("act", {"http-req", "tcp-req"}, function(txn) end, 2)
        core.register_service("svc", "http", function(applet) end)
        core.register_service("tsvc", "tcp", function(applet) end)
        core.register_fetches("f1", function(txn) return "v" end)
        core.register_converters("c1", function(s) return s end)
        assert(core.info == 6 and core.debug == 7 and core.emerg == 0)
        assert(core.thread == 0)
    "#,
    );
    local(async {
        let rt = LuaRuntime::new(LuaSettings::default());
        rt.load_file(&s.0, &["x".into(), "y".into()]).await.unwrap();
        let names = rt.names();
        let act = &names.actions["act"];
        assert_eq!(act.nb_args, 2);
        assert_eq!(act.kinds, vec![ActionKind::HttpReq, ActionKind::TcpReq]);
        assert_eq!(names.services["svc"], ServiceMode::Http);
        assert_eq!(names.services["tsvc"], ServiceMode::Tcp);
        assert!(names.fetches.contains("f1"));
        assert!(names.converters.contains("c1"));
    });
}

#[test]
fn load_errors_read_like_haproxy() {
    let syntax = Script::new("local x = = 1\n");
    let runtime = Script::new("local function f() error('bad thing') end\nf()\n");
    local(async {
        let rt = LuaRuntime::new(LuaSettings::default());
        let e = rt.load_file(&syntax.0, &[]).await.unwrap_err();
        assert!(e.starts_with("error in Lua file '"), "{e}");
        let e = rt.load_file(&runtime.0, &[]).await.unwrap_err();
        assert!(e.ends_with(":1: bad thing"), "{e}");
        assert!(e.starts_with("Lua runtime error: "), "{e}");
        let e = rt
            .load_file(std::path::Path::new("/nonexistent/x.lua"), &[])
            .await
            .unwrap_err();
        assert_eq!(
            e,
            "error in Lua file '/nonexistent/x.lua': cannot open /nonexistent/x.lua: No such file or directory"
        );
    });
}

#[test]
fn register_outside_body_is_refused_and_inits_run_in_order() {
    let s = Script::new(
        r#"
        order = {}
        core.register_init(function() order[#order + 1] = "a" end)
        core.register_init(function()
            order[#order + 1] = "b"
            local ok, err = pcall(core.register_service, "x", "tcp", print)
            order[#order + 1] = err
        end)
    "#,
    );
    local(async {
        let rt = LuaRuntime::new(LuaSettings::default());
        rt.load_file(&s.0, &[]).await.unwrap();
        rt.run_inits().await.unwrap();
        let got = eval(&rt, ExecContext::Task, "return table.concat(order, ',')")
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![StaticValue::String(
                b"a,b,register_service: not available outside of body context".to_vec()
            )]
        );
    });
}

#[test]
fn done_ends_the_invocation_through_pcall() {
    local(async {
        let rt = LuaRuntime::new(LuaSettings::default());
        let r = eval(
            &rt,
            ExecContext::SampleFetch,
            "pcall(function() core.done('early') end) return 'late'",
        )
        .await
        .unwrap();
        assert_eq!(r, vec![StaticValue::String(b"early".to_vec())]);
    });
}

#[test]
fn sleeps_are_real_awaits_and_run_concurrently() {
    local(async {
        let rt = LuaRuntime::new(LuaSettings::default());
        let start = Instant::now();
        let handles: Vec<_> = (0..50)
            .map(|_| {
                tokio::task::spawn_local(eval(
                    &rt,
                    ExecContext::Action,
                    "core.msleep(200) return 1",
                ))
            })
            .collect();
        for h in handles {
            assert_eq!(h.await.unwrap().unwrap(), vec![StaticValue::Integer(1)]);
        }
        // 50 sleeps of 200 ms side by side, not one after another (10 s).
        assert!(start.elapsed() < Duration::from_secs(5));
    });
}

#[test]
fn session_timeout_counts_execution_not_sleep() {
    local(async {
        let settings = LuaSettings {
            session_timeout: Some(Duration::from_millis(100)),
            ..LuaSettings::default()
        };
        let rt = LuaRuntime::new(settings);
        let r = eval(&rt, ExecContext::Action, "core.msleep(300) return 'ok'").await;
        assert_eq!(r.unwrap(), vec![StaticValue::String(b"ok".to_vec())]);
        let e = eval(&rt, ExecContext::Action, "while true do end")
            .await
            .unwrap_err();
        assert_eq!(e.message, "execution timeout");
    });
}

#[test]
fn burst_timeout_stops_a_long_run_between_yields() {
    local(async {
        let settings = LuaSettings {
            session_timeout: None,
            burst_timeout: Some(Duration::from_millis(50)),
            ..LuaSettings::default()
        };
        let rt = LuaRuntime::new(settings);
        // Long in total but yielding every slice: fine.
        let r = eval(
            &rt,
            ExecContext::Action,
            "local n = 0 for i = 1, 3000000 do n = n + i end return 'ok'",
        )
        .await;
        assert_eq!(r.unwrap(), vec![StaticValue::String(b"ok".to_vec())]);
        // One library call that runs for long without returning to the scheduler (a sort of
        // two million numbers), then more Lua: stopped after that burst.
        let e = eval(
            &rt,
            ExecContext::Action,
            "local t = {} for i = 1, 2000000 do t[i] = (i * 7919) % 1000003 end \
             table.sort(t) core.yield() return 'late'",
        )
        .await
        .unwrap_err();
        assert_eq!(e.message, "execution timeout");
    });
}

#[test]
fn tasks_start_from_the_body_and_at_runtime() {
    let s = Script::new(
        r#"
        results = {}
        core.register_task(function(a, b)
            core.msleep(10)
            results[#results + 1] = a .. b
            core.register_task(function() results[#results + 1] = "nested" end)
        end, "x", "y")
    "#,
    );
    local(async {
        let rt = LuaRuntime::new(LuaSettings::default());
        rt.load_file(&s.0, &[]).await.unwrap();
        rt.start_task_pump();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let r = eval(&rt, ExecContext::Task, "return table.concat(results, ',')")
            .await
            .unwrap();
        assert_eq!(r, vec![StaticValue::String(b"xy,nested".to_vec())]);
    });
}
