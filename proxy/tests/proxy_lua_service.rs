//! Lua HTTP services (`core.register_service(name, "http", fn)`, AppletHTTP) served by a real
//! `halo` process, driven with raw HTTP/1.1.

mod support;

use std::time::{Duration, Instant};

use support::client::get;
use support::{Engine, Setup};

const CFG: &str = "
global
  lua-load @DIR@/svc.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request use-service lua.hello if { path /hello }
  http-request use-service lua.info if { path_beg /info }
  http-request use-service lua.body if { path_beg /body }
  http-request use-service lua.lines if { path_beg /lines }
  http-request use-service lua.chunks if { path_beg /chunks }
  http-request use-service lua.sleepy if { path_beg /sleep }
  http-request use-service lua.broken if { path_beg /broken }
  http-request use-service lua.status if { path_beg /status }
  http-request return status 404 content-type text/plain string nope
";

const SVC: &str = r#"
core.register_service("hello", "http", function(applet)
  local body = "hello world\n"
  applet:set_status(200)
  applet:add_header("content-length", string.len(body))
  applet:add_header("content-type", "text/plain")
  applet:start_response()
  applet:send(body)
end)

-- What the applet saw of the request, one "key=value" line each (no table iteration: its
-- order is unspecified).
core.register_service("info", "http", function(applet)
  local h = applet.headers
  local lines = {
    "method=" .. applet.method,
    "path=" .. applet.path,
    "qs=" .. applet.qs,
    "version=" .. applet.version,
    "length=" .. tostring(applet.length),
    "host0=" .. tostring(h["host"] and h["host"][0]),
    "multi0=" .. tostring(h["x-multi"] and h["x-multi"][0]),
    "multi1=" .. tostring(h["x-multi"] and h["x-multi"][1]),
    "multi2=" .. tostring(h["x-multi"] and h["x-multi"][2]),
    "case=" .. tostring(h["x-mixed-case"] and h["x-mixed-case"][0]),
  }
  local body = table.concat(lines, "\n") .. "\n"
  applet:set_status(200)
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)

-- The whole request body with receive().
core.register_service("body", "http", function(applet)
  local b = applet:receive()
  local out = "got " .. #b .. ":" .. b
  applet:add_header("content-length", #out)
  applet:start_response()
  applet:send(out)
end)

-- The body line by line with getline(), then a sized receive.
core.register_service("lines", "http", function(applet)
  local first = applet:getline()
  local second = applet:getline()
  local three = applet:receive(3)
  local rest = applet:receive()
  local out = string.format("[%s][%s][%s][%s]", first, second, three, rest)
  applet:add_header("content-length", #out)
  applet:start_response()
  applet:send(out)
end)

-- No content-length: an HTTP/1.1 client gets a chunked response.
core.register_service("chunks", "http", function(applet)
  applet:set_status(201, "Made")
  applet:add_header("x-one", "1")
  applet:start_response()
  applet:send("part1,")
  applet:send("")
  applet:send("part2,")
  applet:send("part3")
end)

core.register_service("sleepy", "http", function(applet)
  core.sleep(1)
  applet:add_header("content-length", 5)
  applet:start_response()
  applet:send("slept")
end)

core.register_service("broken", "http", function(applet)
  local t = nil
  return t.field
end)

core.register_service("status", "http", function(applet)
  applet:set_status(418)
  applet:add_header("content-length", 0)
  applet:start_response()
end)
"#;

fn setup() -> Setup {
    Setup::new(CFG).file("svc.lua", SVC)
}

#[test]
fn hello_world() {
    let p = setup().start(Engine::Halo);
    let r = p.get("/hello");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "hello world\n");
    assert_eq!(r.header("content-length"), Some("12"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert!(!r.chunked);
}

#[test]
fn hello_world_keep_alive_many_requests() {
    let p = setup().start(Engine::Halo);
    let mut c = p.client();
    for _ in 0..50 {
        let r = c.request(get("/hello"));
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), "hello world\n");
    }
}

// As in haproxy 2.6: `version` is the request line's text, and a header value is the whole line
// (commas do not split it).
#[test]
fn request_fields_and_headers_indexed_from_zero() {
    let p = setup().start(Engine::Halo);
    let r = p.request(
        "POST /info/x?a=1&b=2 HTTP/1.1\r\nHost: example.org\r\nX-Multi: one\r\n\
         X-Mixed-Case: Value\r\nx-multi: two, three\r\nContent-Length: 4\r\n\r\nabcd",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.text(),
        "method=POST\npath=/info/x\nqs=a=1&b=2\nversion=HTTP/1.1\nlength=4\nhost0=example.org\n\
         multi0=one\nmulti1=two, three\nmulti2=nil\ncase=Value\n"
    );
}

#[test]
fn request_fields_without_query() {
    let p = setup().start(Engine::Halo);
    let r = p.request("GET /info HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("path=/info\nqs=\nversion=HTTP/1.0\n"), "{t}");
}

#[test]
fn request_body_with_receive() {
    let p = setup().start(Engine::Halo);
    let r = p.request("POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello there");
    assert_eq!(r.text(), "got 11:hello there");
    // Chunked request body, in several pieces.
    let mut c = p.client();
    c.send("POST /body HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    std::thread::sleep(Duration::from_millis(100));
    c.send("6\r\n world\r\n0\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.text(), "got 11:hello world");
    // The connection stays usable.
    assert_eq!(c.request(get("/hello")).status, 200);
}

#[test]
fn request_body_arriving_late() {
    let p = setup().start(Engine::Halo);
    let mut c = p.client();
    c.send("POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345");
    std::thread::sleep(Duration::from_millis(200));
    c.send("67890");
    assert_eq!(c.read_response(false).text(), "got 10:1234567890");
}

#[test]
fn request_body_with_getline() {
    let p = setup().start(Engine::Halo);
    let body = "line one\nline two\nabcdefgh";
    let r = p.request(format!(
        "POST /lines HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert_eq!(r.text(), "[line one\n][line two\n][abc][defgh]");
}

#[test]
fn chunked_response_without_content_length() {
    let p = setup().start(Engine::Halo);
    let r = p.get("/chunks");
    assert_eq!(r.status_line, "HTTP/1.1 201 Made");
    assert!(r.chunked, "{:?}", r.headers);
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.header("x-one"), Some("1"));
    assert_eq!(r.text(), "part1,part2,part3");
}

#[test]
fn http10_client_gets_close_delimited_body() {
    let p = setup().start(Engine::Halo);
    let mut c = p.client();
    c.send("GET /chunks HTTP/1.0\r\n\r\n");
    let raw = String::from_utf8(c.read_to_close()).unwrap();
    assert!(raw.starts_with("HTTP/1.0 201 Made\r\n") || raw.starts_with("HTTP/1.1 201 Made\r\n"));
    assert!(
        !raw.to_ascii_lowercase().contains("transfer-encoding"),
        "{raw}"
    );
    assert!(raw.ends_with("\r\n\r\npart1,part2,part3"), "{raw}");
}

#[test]
fn head_request_gets_no_body() {
    let p = setup().start(Engine::Halo);
    let mut c = p.client();
    let r = c.request("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("12"));
    assert!(r.body.is_empty());
    // Nothing of the body was sent: the next response on the connection parses cleanly.
    let r = c.request(get("/hello"));
    assert_eq!(r.text(), "hello world\n");
}

#[test]
fn status_without_body() {
    let p = setup().start(Engine::Halo);
    let r = p.get("/status");
    assert_eq!(r.status_line, "HTTP/1.1 418 I'm a teapot");
    assert!(r.body.is_empty());
}

#[test]
fn sleeping_services_run_concurrently() {
    let p = setup().start(Engine::Halo);
    let port = p.port();
    let start = Instant::now();
    let threads: Vec<_> = (0..40)
        .map(|_| {
            std::thread::spawn(move || support::Client::connect(port).request(get("/sleep")).text())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), "slept");
    }
    let took = start.elapsed();
    // 40 one-second sleeps one after the other would take 40 s.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(took >= Duration::from_millis(990), "took {took:?}");
}

#[test]
fn script_error_gives_500_and_an_alert_and_spares_others() {
    let p = setup().start(Engine::Halo);
    // A slow request is in flight while the script fails.
    let port = p.port();
    let slow =
        std::thread::spawn(move || support::Client::connect(port).request(get("/sleep")).text());
    std::thread::sleep(Duration::from_millis(100));
    let r = p.get("/broken");
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(
        p.wait_stderr("attempt to index a nil value", Duration::from_secs(5)),
        "stderr: {}",
        p.stderr()
    );
    assert!(p.stderr().contains("svc.lua:"), "stderr: {}", p.stderr());
    assert_eq!(slow.join().unwrap(), "slept");
    assert_eq!(p.get("/hello").text(), "hello world\n");
}

#[test]
fn unmatched_path_falls_through_to_return() {
    let p = setup().start(Engine::Halo);
    let r = p.get("/elsewhere");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "nope");
}
