//! The Lua `Socket` class (`core.tcp()`) in a real `halo`: a Lua HTTP service runs socket
//! calls against local peers (`support::sockets`) and answers one `name => results` line per
//! call, which the tests compare. Where HAProxy 2.6 behaves the same, the same script runs
//! under `haproxy` too and the bodies must be equal.

mod support;

use std::time::{Duration, Instant};

use support::diff::Pair;
use support::sockets::{self, EofCounter};
use support::{Engine, Setup};

/// The test's Lua code defines `test(add, try)`; this service runs it and answers the lines.
const PRELUDE: &str = r#"
local function show(...)
  local t = table.pack(...)
  local out = {}
  for i = 1, t.n do
    local v = t[i]
    if type(v) == "string" then
      v = '"' .. v:gsub("\r", "\\r"):gsub("\n", "\\n") .. '"'
    else
      v = tostring(v)
    end
    out[#out + 1] = v
  end
  return table.concat(out, " ")
end

core.register_service("t", "http", function(applet)
  local lines = {}
  local function add(name, ...) lines[#lines + 1] = name .. " => " .. show(...) end
  local function try(name, f, ...) add(name, pcall(f, ...)) end
  test(add, try, applet)
  local body = table.concat(lines, "\n") .. "\n"
  applet:set_status(200)
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)
"#;

const CFG: &str = "
global
  @GLOBAL@
  lua-load @DIR@/t.lua
defaults
  mode http
  timeout client 10s
  timeout server 10s
  timeout connect 5s
frontend fe
  bind 127.0.0.1:@FE@
  http-request use-service lua.t
";

fn setup(test_code: &str, global: &str) -> Setup {
    Setup::new(CFG)
        .var("GLOBAL", global)
        .file("t.lua", &format!("{test_code}\n{PRELUDE}"))
}

/// Runs the script under halo and returns the service's body.
fn run(test_code: &str) -> String {
    run_with(test_code, "")
}

fn run_with(test_code: &str, global: &str) -> String {
    let p = setup(test_code, global).start(Engine::Halo);
    let r = p.get("/");
    assert_eq!(r.status, 200, "stderr:\n{}", p.stderr());
    r.text()
}

#[test]
fn echo_round_trips() {
    let port = sockets::serve(sockets::echo);
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  add("settimeout", s:settimeout(2))
  add("connect", s:connect("127.0.0.1", {port}))
  add("peer", s:getpeername())
  add("local", (s:getsockname():gsub(":%d+$", ":P")))
  add("setoption", s:setoption("tcp-nodelay", true))
  add("send", s:send("one\r\ntwo\nthree\rx\n0123456789"))
  add("line crlf", s:receive("*l"))
  add("line default", s:receive())
  add("cr dropped", s:receive("*l"))
  add("count", s:receive(4))
  add("count string", s:receive("4", "P-"))
  add("prefix counts", s:receive(3, "abc"))
  add("rest", s:receive(4))
  add("close", s:close())
  add("after close", s:receive())
  add("send after close", s:send("x"))
  add("peer after close", s:getpeername())
end
"#
    ));
    assert_eq!(
        body,
        format!(
            r#"settimeout => 1
connect => 1
peer => "127.0.0.1:{port}"
local => "127.0.0.1:P"
setoption => true
send => 27
line crlf => "one"
line default => "two"
cr dropped => "threex"
count => "0123"
count string => "P-45"
prefix counts => "abc"
rest => "6789"
close => 1
after close => nil "closed" ""
send after close => nil "closed" 0
peer after close => nil
"#
        )
    );
}

#[test]
fn send_ranges_like_luasocket() {
    let port = sockets::serve(sockets::echo);
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(2)
  s:connect("127.0.0.1:{port}")
  add("i..j", s:send("0123456789", 3, 5))
  add("got", s:receive(3))
  add("negative i", s:send("0123456789", -3))
  add("got", s:receive(3))
  add("negative j", s:send("0123456789", 1, -9))
  add("got", s:receive(2))
  add("i > j", s:send("0123456789", 5, 2))
  add("j past end", s:send("abc", 2, 100))
  add("got", s:receive(2))
  add("empty", s:send(""))
end
"#
    ));
    assert_eq!(
        body,
        r#"i..j => 5
got => "234"
negative i => 10
got => "789"
negative j => 2
got => "01"
i > j => 4
j past end => 3
got => "bc"
empty => 0
"#
    );
}

#[test]
fn peer_closing_mid_receive_gives_partial_data() {
    let port = sockets::send_then_close(b"line1\r\nline2\nabc");
    let body = run(&format!(
        r#"
function test(add)
  local function open()
    local s = core.tcp()
    s:settimeout(2)
    s:connect("127.0.0.1", {port})
    return s
  end
  local s = open()
  add("l1", s:receive("*l"))
  add("l2", s:receive("*l"))
  add("l3", s:receive("*l"))
  add("l4", s:receive("*l"))
  s = open()
  add("all", s:receive("*a"))
  add("all again", s:receive("*a"))
  s = open()
  add("count", s:receive(100, "pre:"))
  s = open()
  add("line prefix", s:receive("*l", "pre:"))
end
"#
    ));
    assert_eq!(
        body,
        r#"l1 => "line1"
l2 => "line2"
l3 => nil "closed" "abc"
l4 => nil "closed" ""
all => "line1\r\nline2\nabc"
all again => nil "closed" ""
count => nil "closed" "pre:line1\r\nline2\nabc"
line prefix => "pre:line1"
"#
    );
}

#[test]
fn timeouts_return_partial_data() {
    let port = sockets::send_then_hold(b"hello");
    let started = Instant::now();
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(0.3)
  add("connect", s:connect("127.0.0.1", {port}))
  add("count", s:receive(10))
  add("line", s:receive("*l", "p"))
  add("send still works", s:send("x"))
  add("all", s:receive("*a"))
end
"#
    ));
    assert_eq!(
        body,
        r#"connect => 1
count => nil "timeout" "hello"
line => nil "timeout" "p"
send still works => 1
all => nil "timeout" ""
"#
    );
    // Three timeouts of 0.3 s each.
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[test]
fn connect_errors_and_forms() {
    let echo = sockets::serve(sockets::echo);
    let refused = sockets::closed_port();
    let body = run(&format!(
        r#"
function test(add, try)
  add("refused", core.tcp():connect("127.0.0.1", {refused}))
  local s = core.tcp()
  add("localhost", s:connect("localhost", {echo}))
  add("twice", s:connect("localhost", {echo}))
  s:send("ping\n")
  add("echo", s:receive())
  add("ipv4@", core.tcp():connect("ipv4@127.0.0.1:{echo}"))
  add("bracketed v4 with port", core.tcp():connect("[127.0.0.1]", {echo}))
  local c = core.tcp()
  c:close()
  add("connect after close", c:connect("127.0.0.1", {echo}))
  add("unconnected receive", core.tcp():receive())
  add("unconnected send", core.tcp():send("x"))
  add("unconnected peer", core.tcp():getpeername())
  local t = core.tcp()
  try("no port", t.connect, t, "127.0.0.1")
  try("bad address", t.connect, t, "no such host", 80)
  try("one argument", t.connect, t)
  try("abns", t.connect, t, "abns@x")
  try("big port", t.connect, t, "127.0.0.1", 70000)
end
"#
    ));
    assert_eq!(
        body,
        r#"refused => nil "connection refused"
localhost => 1
twice => nil "already connected"
echo => "ping"
ipv4@ => 1
bracketed v4 with port => 1
connect after close => nil "closed"
unconnected receive => nil "closed" ""
unconnected send => nil "closed" 0
unconnected peer => nil
no port => false "connect: port missing"
bad address => false "connect: cannot parse destination address 'no such host:'"
one argument => false "connect: need at least 2 arguments"
abns => false "connect: 'abns@' addresses are not supported by Halo"
big port => false "connect: invalid port 70000"
"#
    );
}

#[test]
fn unix_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    sockets::unix_echo(&path);
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(2)
  add("unix@", s:connect("unix@{p}"))
  add("peer", s:getpeername() == "{p}")
  s:send("hi\n")
  add("echo", s:receive())
  local b = core.tcp()
  add("bare path", b:connect("{p}"))
  add("missing", core.tcp():connect("unix@{p}.missing"))
end
"#,
        p = path.display()
    ));
    assert_eq!(
        body,
        r#"unix@ => 1
peer => true
echo => "hi"
bare path => 1
missing => nil "no such file or directory"
"#
    );
}

#[test]
fn argument_errors_are_haproxys() {
    let port = sockets::serve(sockets::echo);
    let code = format!(
        r#"
function test(add, try)
  local s = core.tcp()
  add("connect", s:connect("127.0.0.1", {port}))
  add("settimeout", s:settimeout(1))
  add("send", s:send("abc\r\ndef\n"))
  add("line", s:receive("*l"))
  add("line", s:receive())
  add("peer", s:getpeername())
  add("send more", s:send("0123456789"))
  add("count", s:receive(4))
  add("count", s:receive("3"))
  add("prefix", s:receive(5, "ab"))
  try("bad pattern", s.receive, s, "*x")
  try("negative size", s.receive, s, -1)
  try("number prefix", s.receive, s, 1, 5)
  try("receive arity", s.receive, s, 1, "", 3)
  try("send arity", s.send, s)
  try("negative timeout", s.settimeout, s, -1)
  try("connect arity", s.connect, core.tcp())
  try("no port", s.connect, core.tcp(), "127.0.0.1")
  try("unparsable", s.connect, core.tcp(), "a b", 80)
  add("unconnected peer", core.tcp():getpeername())
end
"#
    );
    let body = run(&code);
    assert_eq!(
        body,
        format!(
            r#"connect => 1
settimeout => 1
send => 9
line => "abc"
line => "def"
peer => "127.0.0.1:{port}"
send more => 10
count => "0123"
count => "456"
prefix => "ab789"
bad pattern => false "Unsupported pattern."
negative size => false "Unsupported size."
number prefix => false "Expect a 'string' for the prefix"
receive arity => false "The 'receive' function requires between 1 and 3 arguments."
send arity => false "'send' needs between 2 and 4 arguments"
negative timeout => false "settimeout: cannot set negatives values"
connect arity => false "connect: need at least 2 arguments"
no port => false "connect: port missing"
unparsable => false "connect: cannot parse destination address 'a b:'"
unconnected peer => nil
"#
        )
    );
    // The same calls under haproxy 2.6: the deterministic part of the API agrees.
    let s = setup(&code, "");
    if let Some(pair) = Pair::same("argument_errors_are_haproxys", &s) {
        let (a, b) = pair.request(&support::client::get("/"));
        assert_eq!(a.text(), b.text());
    }
}

#[test]
fn refused_in_body_context() {
    let p = setup(
        r#"
local ok, err = pcall(core.tcp)
core.Info("body: " .. tostring(ok) .. " " .. tostring(err))
function test(add) end
"#,
        "",
    )
    .start(Engine::Halo);
    assert!(
        p.wait_stderr(
            "body: false core.tcp: sockets are not available in the body context",
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
}

#[test]
fn collected_sockets_close_their_connection() {
    let peer = EofCounter::start();
    let body = run(&format!(
        r#"
function test(add)
  do
    local s = core.tcp()
    add("connect", s:connect("127.0.0.1", {port}))
  end
  collectgarbage()
  collectgarbage()
end
"#,
        port = peer.port
    ));
    assert_eq!(body, "connect => 1\n");
    assert!(peer.wait_closed(1, Duration::from_secs(5)));
}

#[test]
fn works_in_init_tasks_actions_fetches_and_converters() {
    let port = sockets::serve(sockets::echo);
    let script = format!(
        r#"
local function echo(msg)
  local s = core.tcp()
  s:settimeout(2)
  assert(s:connect("127.0.0.1", {port}))
  s:send(msg .. "\n")
  local r = s:receive()
  s:close()
  return r
end
core.register_task(function() core.Info("task: " .. echo("from-task")) end)
core.register_init(function() core.Info("init: " .. echo("from-init")) end)
core.register_action("act", {{ "http-req" }}, function(txn)
  txn:set_var("txn.act", echo("from-action"))
end)
core.register_fetches("fetch", function(txn) return echo("from-fetch") end)
core.register_converters("conv", function(v) return echo(v .. "-conv") end)
"#
    );
    let p = Setup::new(
        "
global
  lua-load @DIR@/t.lua
defaults
  mode http
  timeout client 10s
  timeout server 10s
  timeout connect 5s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.act
  http-request return status 200 content-type text/plain lf-string \"%[var(txn.act)] %[lua.fetch] %[str(x),lua.conv]\\n\"
",
    )
    .file("t.lua", &script)
    .start(Engine::Halo);
    let r = p.get("/");
    assert_eq!(r.status, 200, "{}", p.stderr());
    assert_eq!(r.text(), "from-action from-fetch x-conv\n");
    assert!(p.wait_stderr("task: from-task", Duration::from_secs(5)));
    assert!(p.wait_stderr("init: from-init", Duration::from_secs(5)));
}

#[test]
fn tls_verifies_certificates_by_default() {
    let port = sockets::tls_echo();
    let code = format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(3)
  local ok, err = s:connect_ssl("127.0.0.1", {port})
  add("connect_ssl", ok, (err or ""):match("^certificate verify failed") ~= nil)
end
"#
    );
    assert_eq!(run(&code), "connect_ssl => nil true\n");
}

#[test]
fn tls_without_verification() {
    let port = sockets::tls_echo();
    let code = format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(3)
  add("connect_ssl", s:connect_ssl("127.0.0.1", {port}))
  add("send", s:send("secret\n"))
  add("receive", s:receive())
  local n = core.tcp()
  n:settimeout(3)
  add("by name", n:connect_ssl("localhost:{port}"))
  n:send("x\n")
  add("receive", n:receive())
end
"#
    );
    assert_eq!(
        run_with(&code, "ssl-server-verify none"),
        r#"connect_ssl => 1
send => 7
receive => "secret"
by name => 1
receive => "x"
"#
    );
}

/// `connect_ssl` without verification, the same under haproxy (which never verifies).
#[test]
fn tls_like_haproxy() {
    let port = sockets::tls_echo();
    let code = format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(3)
  add("connect_ssl", s:connect_ssl("127.0.0.1", {port}))
  add("send", s:send("one\ntwo\n"))
  add("receive", s:receive())
  add("receive", s:receive(3))
end
"#
    );
    let s = setup(&code, "ssl-server-verify none");
    let expected = "connect_ssl => 1\nsend => 8\nreceive => \"one\"\nreceive => \"two\"\n";
    if let Some(pair) = Pair::same("tls_like_haproxy", &s) {
        let (a, b) = pair.request(&support::client::get("/"));
        assert_eq!(a.text(), expected);
        assert_eq!(b.text(), expected);
    }
}

#[test]
fn ssl_server_verify_is_checked_like_haproxy() {
    let s = Setup::new("global\n  ssl-server-verify bogus\n");
    let c = s.check(Engine::Halo);
    assert_ne!(c.code, 0);
    assert!(
        c.stderr
            .contains("'ssl-server-verify' expects 'none' or 'required' as argument."),
        "{}",
        c.stderr
    );
    // Valid: "no listener" (exit 2) is the only complaint, as with haproxy.
    let ok = Setup::new("global\n  ssl-server-verify required\n").check(Engine::Halo);
    assert_eq!(ok.code, 2, "{}", ok.stderr);
    assert!(ok.stderr.is_empty(), "{}", ok.stderr);
}

/// Many requests each waiting on their own socket at once: they overlap (one worker, no
/// thread per socket), so the total is far below the sum of the waits.
#[test]
fn many_sockets_wait_concurrently() {
    let port = sockets::delayed_echo(Duration::from_millis(300));
    let p = setup(
        &format!(
            r#"
function test(add)
  local s = core.tcp()
  s:settimeout(5)
  s:connect("127.0.0.1", {port})
  s:send("x\n")
  add("r", s:receive())
end
"#
        ),
        "",
    )
    .start(Engine::Halo);
    let port = p.port();
    let started = Instant::now();
    let clients: Vec<_> = (0..40)
        .map(|_| {
            std::thread::spawn(move || {
                support::Client::connect(port).request(support::client::get("/"))
            })
        })
        .collect();
    for c in clients {
        let r = c.join().unwrap();
        assert_eq!(r.text(), "r => \"x\"\n");
    }
    // Serialized, 40 waits of 0.3 s would take 12 s.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn connect_timeout() {
    let (port, _fillers, _listener) = sockets::unanswering_listener();
    let started = Instant::now();
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(0.3)
  add("connect", s:connect("127.0.0.1", {port}))
  add("peer", s:getpeername())
end
"#
    ));
    assert_eq!(body, "connect => nil \"timeout\"\npeer => nil\n");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn megabytes_both_ways() {
    let port = sockets::bulk();
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(5)
  s:connect("127.0.0.1", {port})
  s:send("send 3000000\n")
  local d = s:receive(3000000)
  add("received", #d, d:byte(1), d:byte(252), d:byte(3000000))
  add("then", s:receive(1))
  local t = {{}}
  for i = 0, 250 do t[#t + 1] = string.char(i) end
  local big = table.concat(t):rep(12000)
  local k = core.tcp()
  k:settimeout(5)
  k:connect("127.0.0.1", {port})
  add("sent", k:send(#big .. "\n" .. big))
  add("sink", k:receive())
end
"#
    ));
    assert_eq!(
        body,
        "received => 3000000 0 0 47\nthen => nil \"closed\" \"\"\nsent => 3012008\nsink => \"got 3012000 sum 376500000\"\n"
    );
}

/// Hundreds of Lua tasks each waiting on its own socket at the same time, on one worker: they
/// all overlap (serialized, 300 waits of 0.5 s would take 150 s).
#[test]
fn hundreds_of_tasks_wait_on_sockets_at_once() {
    let port = sockets::delayed_echo(Duration::from_millis(500));
    let script = format!(
        r#"
local n, done = 300, 0
core.register_task(function()
  for i = 1, n do
    core.register_task(function()
      local s = core.tcp()
      s:settimeout(20)
      assert(s:connect("127.0.0.1", {port}))
      s:send("x" .. i .. "\n")
      assert(s:receive() == "x" .. i)
      s:close()
      done = done + 1
      if done == n then core.Info("all " .. n .. " sockets answered") end
    end)
  end
end)
function test(add) end
"#
    );
    let started = Instant::now();
    let p = setup(&script, "").start(Engine::Halo);
    assert!(
        p.wait_stderr("all 300 sockets answered", Duration::from_secs(30)),
        "{}",
        p.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// Awaiting works at any depth: inside coroutines, `pcall` and metamethods.
#[test]
fn awaits_inside_coroutines_pcall_and_metamethods() {
    let port = sockets::serve(sockets::echo);
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(2)
  s:connect("127.0.0.1", {port})
  local co = coroutine.wrap(function(msg)
    s:send(msg .. "\n")
    coroutine.yield(s:receive())
    s:send("again\n")
    return s:receive()
  end)
  add("coroutine", co("hi"))
  add("resumed", co())
  add("pcall", pcall(function() s:send("p\n") return s:receive() end))
  local t = setmetatable({{}}, {{ __index = function(_, k) s:send(k .. "\n") return s:receive() end }})
  add("__index", t.key)
end
"#
    ));
    assert_eq!(
        body,
        "coroutine => \"hi\"\nresumed => \"again\"\npcall => true \"p\"\n__index => \"key\"\n"
    );
}

#[test]
fn ipv6_loopback() {
    // Skipped where the machine has no IPv6 loopback.
    let Ok(l) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("note: ipv6_loopback: skipped, no ::1 here");
        return;
    };
    let port = sockets::serve_on(l, sockets::echo);
    let body = run(&format!(
        r#"
function test(add)
  local s = core.tcp()
  s:settimeout(2)
  add("ipv6@", s:connect("ipv6@[::1]:{port}"))
  add("peer", s:getpeername())
  add("local", (s:getsockname():gsub(":%d+$", ":P")))
  s:send("six\n")
  add("echo", s:receive())
  add("bare", core.tcp():connect("::1", {port}))
  add("bracketed", core.tcp():connect("[::1]:{port}"))
end
"#
    ));
    assert_eq!(
        body,
        format!(
            "ipv6@ => 1\npeer => \"[::1]:{port}\"\nlocal => \"[::1]:P\"\necho => \"six\"\nbare => 1\nbracketed => 1\n"
        )
    );
}
