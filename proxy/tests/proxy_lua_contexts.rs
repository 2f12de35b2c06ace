//! The other Lua execution contexts in a real `halo`: the `lua-load` body, `register_init`,
//! `register_task`, sample fetches and converters used from the configuration, `txn:done()`,
//! private data, logging from Lua; the same checks against `haproxy` where it is installed.

mod support;

use std::time::Duration;

use support::client::get;
use support::diff::{Compare, Pair};
use support::{Backend, Engine, Setup};

const CFG: &str = "
global
  lua-load @DIR@/ctx.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request use-service lua.state if { path /state }
  http-request return status 200 content-type text/plain lf-string \"f=%[lua.twice(ab)] c=%[path,lua.shout] cc=%[str(x),lua.wrap(<,>)]\" if { path /samples }
  http-request lua.finish if { path /done }
  http-request lua.privy
  http-request return status 200 content-type text/plain lf-string \"%[var(txn.priv)]\" if { path /priv }
  http-request lua.logs if { path /logs }
  default_backend be
backend be
  server s1 127.0.0.1:@BE@
";

const CTX: &str = r#"
local body_ran = "yes"
local init_ran = "no"
local ticks = 0

core.register_init(function()
  init_ran = "yes"
end)

core.register_task(function()
  while true do
    ticks = ticks + 1
    core.msleep(20)
  end
end)

core.register_service("state", "http", function(applet)
  local out = "body=" .. body_ran .. " init=" .. init_ran .. " task=" .. tostring(ticks > 0)
  applet:add_header("content-length", #out)
  applet:start_response()
  applet:send(out)
end)

core.register_fetches("twice", function(txn, s)
  return s .. s
end)

core.register_converters("shout", function(s)
  return string.upper(s) .. "!"
end)

core.register_converters("wrap", function(s, a, b)
  return a .. s .. b
end)

-- Ends the transaction: nothing is sent to the backend.
core.register_action("finish", { "http-req" }, function(txn)
  txn:done()
end)

core.register_action("privy", { "http-req" }, function(txn)
  txn:set_priv({ n = 41 })
  local p = txn:get_priv()
  txn:set_var("txn.priv", "priv=" .. tostring(p.n + 1))
end)

core.register_action("logs", { "http-req" }, function(txn)
  core.Alert("alert from lua")
  core.log(core.warning, "warning from lua")
  txn:Alert("txn alert")
end)
"#;

fn setup(b: &Backend) -> Setup {
    Setup::new(CFG).file("ctx.lua", CTX).backend(b)
}

#[test]
fn body_init_and_task_ran() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(p.get("/state").text(), "body=yes init=yes task=true");
}

#[test]
fn fetches_and_converters_from_the_configuration() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    assert_eq!(p.get("/samples").text(), "f=abab c=/SAMPLES! cc=<x>");
}

#[test]
fn private_data() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    assert_eq!(p.get("/priv").text(), "priv=42");
}

#[test]
fn txn_done_ends_the_transaction() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    let mut c = p.client();
    c.send(get("/done"));
    // haproxy closes without a response here; nothing reaches the backend.
    assert!(c.closed_within(Duration::from_secs(3)));
    assert!(b.received().is_empty());
}

#[test]
fn logging_from_lua_goes_to_stderr() {
    let b = Backend::echo();
    let p = setup(&b).start(Engine::Halo);
    assert_eq!(p.get("/logs").status, 200);
    assert!(
        p.wait_stderr("txn alert", Duration::from_secs(3)),
        "{}",
        p.stderr()
    );
    let err = p.stderr();
    assert!(err.contains("alert from lua"), "{err}");
    assert!(err.contains("warning from lua"), "{err}");
}

fn pair(test: &str) -> Option<(Pair, Backend, Backend)> {
    let (b1, b2) = (Backend::echo(), Backend::echo());
    let p = Pair::start(test, &setup(&b1), &setup(&b2))?;
    Some((p, b1, b2))
}

#[test]
fn contexts_same_as_haproxy() {
    let Some((p, _b1, _b2)) = pair("contexts_same_as_haproxy") else {
        return;
    };
    std::thread::sleep(Duration::from_millis(100));
    let service = Compare {
        unordered_headers: true,
    };
    p.check(&get("/state"), service);
    for path in ["/samples", "/priv"] {
        let (a, b) = p.request(&get(path));
        assert_eq!((a.status_line, a.body), (b.status_line, b.body), "{path}");
    }
    let (a, b) = p.raw_until_close(&get("/done"));
    assert_eq!(a, b, "txn:done()");
}

/// Lua's log lines on stderr without the date and pid: "[alert] 324/080159 (12620) : msg".
fn lua_log_lines(p: &support::Proxy) -> Vec<String> {
    p.stderr()
        .lines()
        .filter(|l| l.contains("from lua") || l.contains("txn alert"))
        .map(|l| match l.find(") : ") {
            Some(i) => format!("{} {}", l.split(' ').next().unwrap_or(""), &l[i + 4..]),
            None => l.to_string(),
        })
        .collect()
}

#[test]
fn lua_logs_same_as_haproxy() {
    let Some((p, _b1, _b2)) = pair("lua_logs_same_as_haproxy") else {
        return;
    };
    let (a, b) = p.request(&get("/logs"));
    assert_eq!(a.status, b.status);
    for x in [&p.halo, &p.haproxy] {
        assert!(
            x.wait_stderr("txn alert", Duration::from_secs(3)),
            "{}",
            x.stderr()
        );
    }
    assert_eq!(lua_log_lines(&p.halo), lua_log_lines(&p.haproxy));
}
