//! `http-request` rules and backend selection in a real `halo`: deny, return, redirect, header
//! and path rewrites (checked on what the backend receives), `use_backend` with ACLs.

mod support;

use support::{Backend, Engine, Setup};

const CFG: &str = "
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  acl is_admin path_beg /admin
  acl from_tool hdr(user-agent) -i -m beg curl
  http-request deny if { path /deny }
  http-request deny deny_status 429 if { path /slow-down }
  http-request deny if is_admin !from_tool
  http-request return status 202 content-type text/plain string accepted if { path /return }
  http-request return status 200 content-type text/plain lf-string \"path=%[path] m=%[method]\" if { path /lf }
  http-request redirect location /new-place code 301 if { path /old }
  http-request redirect prefix /v2 if { path_beg /v1 }
  http-request redirect scheme https if { path /secure }
  http-request set-header X-Set one if { path_beg /hdr }
  http-request set-header X-Replace new if { path_beg /hdr }
  http-request add-header X-Add two if { path_beg /hdr }
  http-request add-header X-Add three if { path_beg /hdr }
  http-request del-header X-Drop if { path_beg /hdr }
  http-request set-header X-From-Expr %[req.hdr(host),upper] if { path_beg /hdr }
  http-request set-path /rewritten%[path] if { path_beg /rw/ }
  http-request set-query z=9 if { path_beg /rwq }
  http-request set-method PUT if { path /method }
  use_backend be_api if { path_beg /api } || { hdr(host) -i api.example.org }
  use_backend be_post if METH_POST
  default_backend be_default
backend be_default
  server s1 127.0.0.1:@BE@
backend be_api
  http-request set-header X-Backend api
  server s1 127.0.0.1:@BE@
backend be_post
  http-request set-header X-Backend post
  server s1 127.0.0.1:@BE@
";

fn start() -> (Backend, support::Proxy) {
    let b = Backend::echo();
    let p = Setup::new(CFG).backend(&b).start(Engine::Halo);
    (b, p)
}

#[test]
fn deny_answers_403_like_haproxy() {
    let (b, p) = start();
    let r = p.get("/deny");
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(
        r.text(),
        "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"
    );
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    let r = p.get("/slow-down");
    assert_eq!(r.status_line, "HTTP/1.1 429 Too Many Requests");
    assert!(
        r.text().contains("<h1>429 Too Many Requests</h1>"),
        "{}",
        r.text()
    );
    assert!(b.received().is_empty());
}

#[test]
fn acl_combinations() {
    let (b, p) = start();
    assert_eq!(p.get("/admin/x").status, 403);
    let r = p.request("GET /admin/x HTTP/1.1\r\nHost: a\r\nUser-Agent: CURL/8\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(b.received().len(), 1);
}

#[test]
fn return_with_string_and_log_format() {
    let (_b, p) = start();
    let r = p.get("/return");
    assert_eq!(r.status_line, "HTTP/1.1 202 Accepted");
    assert_eq!(r.text(), "accepted");
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("content-length"), Some("8"));
    let r = p.request("POST /lf HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(r.text(), "path=/lf m=POST");
}

#[test]
fn redirects() {
    let (_b, p) = start();
    let r = p.get("/old");
    assert_eq!(r.status_line, "HTTP/1.1 301 Moved Permanently");
    assert_eq!(r.header("location"), Some("/new-place"));
    assert_eq!(r.header("content-length"), Some("0"));
    let r = p.get("/v1/users?id=3");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/v2/v1/users?id=3"));
    let r = p.request("GET /secure HTTP/1.1\r\nHost: www.example.org\r\n\r\n");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("https://www.example.org/secure"));
}

#[test]
fn header_rules() {
    let (b, p) = start();
    let r = p.request(
        "GET /hdr HTTP/1.1\r\nHost: example.org\r\nX-Replace: old1\r\nX-Drop: gone\r\n\
         X-Replace: old2\r\nX-Add: one\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    let seen = &b.received()[0];
    let get = |n: &str| -> Vec<&str> {
        seen.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get("x-set"), ["one"]);
    assert_eq!(get("x-replace"), ["new"]);
    assert_eq!(get("x-add"), ["one", "two", "three"]);
    assert!(get("x-drop").is_empty());
    assert_eq!(get("x-from-expr"), ["EXAMPLE.ORG"]);
}

#[test]
fn path_query_and_method_rewrites() {
    let (b, p) = start();
    p.get("/rw/a?k=v");
    p.get("/rwq/b?k=v");
    p.get("/rwq/c");
    p.get("/method");
    let uris: Vec<(String, String)> = b
        .received()
        .iter()
        .map(|r| (r.method.clone(), r.uri.clone()))
        .collect();
    let want = [
        ("GET", "/rewritten/rw/a?k=v"),
        ("GET", "/rwq/b?z=9"),
        ("GET", "/rwq/c?z=9"),
        ("PUT", "/method"),
    ];
    assert_eq!(uris.len(), 4);
    for (got, want) in uris.iter().zip(want) {
        assert_eq!((got.0.as_str(), got.1.as_str()), want);
    }
}

#[test]
fn use_backend_with_acls() {
    let (b, p) = start();
    p.get("/api/x");
    p.request("GET /other HTTP/1.1\r\nHost: API.example.org\r\n\r\n");
    p.request("POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
    p.get("/plain");
    let got: Vec<Option<String>> = b
        .received()
        .iter()
        .map(|r| r.header("x-backend").map(String::from))
        .collect();
    assert_eq!(
        got,
        [
            Some("api".to_string()),
            Some("api".to_string()),
            Some("post".to_string()),
            None
        ]
    );
    assert_eq!(b.received()[2].body, b"hi");
}
