//! Lua `http-request` actions (`core.register_action`) in a real `halo`: header changes the
//! backend sees, variables shared with the configuration's rules, `txn.f`/`txn.sf`/`txn.c`
//! calls, arguments, yielding.

mod support;

use std::time::{Duration, Instant};

use support::{Backend, Engine, Setup};

const CFG: &str = "
global
  lua-load @DIR@/act.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.tag blue
  http-request lua.fetches
  http-request lua.vars
  http-request lua.pause if { path_beg /pause }
  http-request return status 200 content-type text/plain lf-string \"v=%[var(txn.from_lua)] s=%[var(req.seen)]\" if { path /var }
  http-request set-var(txn.from_cfg) str(cfgval)
  http-request lua.readback if { path /readback }
  http-request return status 200 content-type text/plain lf-string \"%[var(txn.readback)]\" if { path /readback }
  default_backend be
backend be
  server s1 127.0.0.1:@BE@
";

const ACT: &str = r#"
-- Sets a header from its argument and removes one.
core.register_action("tag", { "http-req" }, function(txn, color)
  txn.http:req_set_header("x-color", color)
  txn.http:req_add_header("x-added", "a1")
  txn.http:req_add_header("x-added", "a2")
  txn.http:req_del_header("x-remove-me")
end, 1)

-- Sample fetches and converters from Lua, the results put in headers.
core.register_action("fetches", { "http-req" }, function(txn)
  txn.http:req_set_header("x-path", txn.f:path())
  txn.http:req_set_header("x-host-upper", txn.c:upper(txn.sf:req_hdr("host")))
  txn.http:req_set_header("x-method", txn.f:method())
  local hdrs = txn.http:req_get_headers()
  txn.http:req_set_header("x-ua0", tostring(hdrs["user-agent"] and hdrs["user-agent"][0]))
end)

core.register_action("vars", { "http-req" }, function(txn)
  txn:set_var("txn.from_lua", "lua-" .. txn.f:path())
  txn:set_var("req.seen", 42)
end)

core.register_action("pause", { "http-req" }, function(txn)
  core.sleep(2)
  txn.http:req_set_header("x-paused", "yes")
end)

core.register_action("readback", { "http-req" }, function(txn)
  txn:set_var("txn.readback", "cfg=" .. tostring(txn:get_var("txn.from_cfg"))
    .. " missing=" .. tostring(txn:get_var("txn.nothing")))
end)
"#;

fn setup(b: &Backend) -> Setup {
    Setup::new(CFG).file("act.lua", ACT).backend(b)
}

#[test]
fn action_changes_headers_the_backend_sees() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    let r = p.request(
        "GET /a/b?q=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: tester\r\nX-Remove-Me: 1\r\n\r\n",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let seen = &b.received()[0];
    assert_eq!(seen.uri, "/a/b?q=1");
    assert_eq!(seen.header("x-color"), Some("blue"));
    assert_eq!(seen.header("x-remove-me"), None);
    let added: Vec<_> = seen
        .headers
        .iter()
        .filter(|(n, _)| n == "x-added")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(added, ["a1", "a2"]);
    assert_eq!(seen.header("x-path"), Some("/a/b"));
    assert_eq!(seen.header("x-host-upper"), Some("EXAMPLE.ORG"));
    assert_eq!(seen.header("x-method"), Some("GET"));
    assert_eq!(seen.header("x-ua0"), Some("tester"));
    // The client's headers keep their place, the added ones come after; names go out in lower
    // case, as haproxy's HTX does without `h1-case-adjust`.
    let names: Vec<&str> = seen.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "host",
            "user-agent",
            "x-color",
            "x-added",
            "x-added",
            "x-path",
            "x-host-upper",
            "x-method",
            "x-ua0"
        ]
    );
}

#[test]
fn lua_variables_are_seen_by_rules() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    let r = p.get("/var");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "v=lua-/var s=42");
    assert!(b.received().is_empty());
}

#[test]
fn rule_variables_are_seen_by_lua() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    let r = p.get("/readback");
    assert_eq!(r.text(), "cfg=cfgval missing=nil");
}

#[test]
fn sleeping_actions_do_not_block_other_streams() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    let port = p.port();
    let start = Instant::now();
    let slow: Vec<_> = (0..10)
        .map(|_| {
            std::thread::spawn(move || {
                support::Client::connect(port).request(support::client::get("/pause/x"))
            })
        })
        .collect();
    // Fast requests are answered while the slow ones wait.
    std::thread::sleep(Duration::from_millis(100));
    let fast = p.get("/quick");
    assert_eq!(fast.status, 200);
    assert!(
        start.elapsed() < Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    for t in slow {
        assert_eq!(t.join().unwrap().status, 200);
    }
    assert!(start.elapsed() < Duration::from_secs(4));
    let paused = b
        .received()
        .iter()
        .filter(|r| r.header("x-paused") == Some("yes"))
        .count();
    assert_eq!(paused, 10);
}

const BOOL_LUA: &str = r#"
core.register_action("bools", { "http-req" }, function(txn)
  txn:set_var("txn.flag", true)
  txn:set_var("txn.o", table.concat({
    tostring(txn.f:always_true()), tostring(txn.c:even(2)), tostring(txn:get_var("txn.flag")),
  }, " "))
end)
"#;

fn bool_cfg(setting: &str) -> String {
    format!(
        "
global
  {setting}
  lua-load @DIR@/bools.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.bools
  http-request return status 200 content-type text/plain lf-string \"%[var(txn.o)]\"
"
    )
}

// `tune.lua.bool-sample-conversion`: boolean samples reach Lua as 0/1 by default and with
// `pre-3.1-bug` (HAProxy's historical behaviour), as booleans with `normal`; set after a
// `lua-load` it is ignored, as in HAProxy.
#[test]
fn bool_sample_conversion() {
    for (setting, want) in [
        ("", "1 1 1"),
        ("tune.lua.bool-sample-conversion pre-3.1-bug", "1 1 1"),
        ("tune.lua.bool-sample-conversion normal", "true true true"),
    ] {
        let p = Setup::new(&bool_cfg(setting))
            .file("bools.lua", BOOL_LUA)
            .start(Engine::Halo);
        assert_eq!(p.get("/").text(), want, "{setting}");
    }
    let late = bool_cfg("").replace(
        "  lua-load @DIR@/bools.lua\n",
        "  lua-load @DIR@/bools.lua\n  tune.lua.bool-sample-conversion normal\n",
    );
    let p = Setup::new(&late)
        .file("bools.lua", BOOL_LUA)
        .start(Engine::Halo);
    assert_eq!(p.get("/").text(), "1 1 1");
}

const LIBS_LUA: &str = r#"
core.register_action("libs", { "http-req" }, function(txn)
  local seen = {}
  for _, name in ipairs({ "table", "io", "os", "string", "math", "utf8", "package", "debug", "coroutine" }) do
    seen[#seen + 1] = name .. "=" .. type(_G[name])
  end
  local ok, err = pcall(function() return _G.io and io.popen("true") end)
  seen[#seen + 1] = "popen=" .. tostring(ok) .. ":" .. tostring(err)
  txn:set_var("txn.o", table.concat(seen, " "))
end)
"#;

// `tune.lua.openlibs` selects the standard libraries (base and coroutine always); `io.popen`
// is refused as HAProxy blocks fork.
#[test]
fn openlibs_and_popen() {
    let cfg = |setting: &str| {
        bool_cfg(setting)
            .replace("bools.lua", "libs.lua")
            .replace("lua.bools", "lua.libs")
    };
    let all = Setup::new(&cfg(""))
        .file("libs.lua", LIBS_LUA)
        .start(Engine::Halo);
    let text = all.get("/").text();
    assert!(text.starts_with("table=table io=table os=table string=table math=table utf8=table package=table debug=table coroutine=table popen=false:"), "{text}");
    assert!(text.contains("'popen' not supported"), "{text}");
    let some = Setup::new(&cfg("tune.lua.openlibs table,string"))
        .file("libs.lua", LIBS_LUA)
        .start(Engine::Halo);
    assert_eq!(
        some.get("/").text(),
        "table=table io=nil os=nil string=table math=nil utf8=nil package=nil debug=nil coroutine=table popen=true:nil"
    );
}

const PATTERN_LUA: &str = r#"
core.register_action("pat", { "http-req" }, function(txn)
  local ok, err = pcall(string.find, ("a"):rep(60), ("a-"):rep(30) .. "b")
  txn:set_var("txn.o", tostring(ok) .. " " .. tostring(err))
end)
"#;

// A pattern that backtracks exponentially cannot stall a worker: the match gives up with
// "pattern too complex" (lua5.4 would run for hours).
#[test]
fn runaway_pattern_is_bounded() {
    let cfg = bool_cfg("")
        .replace("bools.lua", "pat.lua")
        .replace("lua.bools", "lua.pat");
    let p = Setup::new(&cfg)
        .file("pat.lua", PATTERN_LUA)
        .start(Engine::Halo);
    let start = Instant::now();
    let text = p.get("/").text();
    assert!(
        text.starts_with("false ") && text.ends_with("pattern too complex"),
        "{text}"
    );
    assert!(start.elapsed() < Duration::from_secs(60));
}
