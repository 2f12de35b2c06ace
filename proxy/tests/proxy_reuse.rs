//! The worker's idle server connection pool (HAProxy's default `http-reuse safe`): a session's
//! kept server connection goes to the pool when the session ends; a later session's second and
//! later requests may take it, its first request never does; connections the server closed are
//! not used, and a request without body that finds its reused connection closed is sent again
//! on a new one.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::client::get;
use support::{Backend, Engine, Received, Reply, Setup};

const CFG: &str = "
defaults
  mode http
  timeout client 5s
  timeout server 2s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:@FE@
  http-request return status 200 content-type text/plain string local if { path /local }
  default_backend be
backend be
  server s1 127.0.0.1:@BE@
";

fn ok(body: &str) -> Reply {
    Reply::Send(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// Client A sends one request to the server, then closes: its server connection is idle.
fn leave_idle(p: &support::Proxy) {
    let mut a = p.client();
    let r = a.request("GET /x1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert!(a.closed_within(Duration::from_secs(2)));
}

#[test]
fn a_later_request_of_another_session_takes_the_idle_connection() {
    let b = Backend::with(|r: &Received| ok(&r.uri));
    let p = Setup::new(CFG).backend(&b).start(Engine::Halo);
    leave_idle(&p);
    let mut c = p.client();
    assert_eq!(c.request(get("/local")).text(), "local");
    assert_eq!(c.request(get("/x2")).text(), "/x2");
    assert_eq!(
        b.connections(),
        1,
        "the second request went over the idle connection"
    );
}

#[test]
fn a_first_request_never_takes_an_idle_connection() {
    let b = Backend::with(|r: &Received| ok(&r.uri));
    let p = Setup::new(CFG).backend(&b).start(Engine::Halo);
    leave_idle(&p);
    let mut c = p.client();
    assert_eq!(c.request(get("/x2")).text(), "/x2");
    assert_eq!(b.connections(), 2);
}

#[test]
fn idle_connections_the_server_closed_are_not_used() {
    // Answers as if keeping the connection, then closes it.
    let b = Backend::with(|r: &Received| {
        Reply::SendClose(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{}",
                r.uri.len(),
                r.uri
            )
            .into_bytes(),
        )
    });
    let p = Setup::new(CFG).backend(&b).start(Engine::Halo);
    leave_idle(&p);
    std::thread::sleep(Duration::from_millis(200));
    let mut c = p.client();
    assert_eq!(c.request(get("/local")).text(), "local");
    let r = c.request(get("/x2"));
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "/x2");
    assert_eq!(b.connections(), 2);
}

#[test]
fn a_request_the_reused_connection_dropped_is_sent_again() {
    // The server closes the idle connection just as the next request arrives on it.
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    let b = Backend::with(move |r: &Received| {
        if r.uri == "/x2" && !d.swap(true, Ordering::SeqCst) {
            return Reply::Close;
        }
        ok(&r.uri)
    });
    let p = Setup::new(CFG).backend(&b).start(Engine::Halo);
    leave_idle(&p);
    let mut c = p.client();
    assert_eq!(c.request(get("/local")).text(), "local");
    let r = c.request(get("/x2"));
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "/x2");
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(b.connections(), 2);
}
