//! The errors a real `halo` answers like HAProxy: 400 for garbage, 503 when no server answers,
//! 502 for a bad server response, 504 and 408 on timeouts.

mod support;

use std::time::{Duration, Instant};

use support::client::get;
use support::{Backend, Engine, Received, Reply, Setup};

const CFG: &str = "
defaults
  mode http
  timeout client 5s
  timeout server 400ms
  timeout connect 1s
  timeout http-request 400ms
frontend fe
  bind 127.0.0.1:@FE@
  default_backend be
backend be
  server s1 127.0.0.1:@BE@
";

fn start_with(b: &Backend) -> support::Proxy {
    Setup::new(CFG).backend(b).start(Engine::Halo)
}

#[test]
fn garbage_gets_400_and_close() {
    let b = Backend::echo();
    let p = start_with(&b);
    for garbage in [
        "this is not http\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    ] {
        let mut c = p.client();
        c.send(garbage);
        let r = c.read_response(false);
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad request", "{garbage:?}");
        assert_eq!(
            r.text(),
            "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n"
        );
        assert!(c.closed_within(Duration::from_secs(2)), "{garbage:?}");
    }
    assert!(b.received().is_empty());
}

#[test]
fn no_server_listening_gives_503() {
    // A port nothing listens on: connections are refused.
    let p = Setup::new(CFG)
        .var("BE", support::ports::refused_port())
        .start(Engine::Halo);
    let r = p.get("/");
    assert_eq!(r.status_line, "HTTP/1.1 503 Service Unavailable");
    assert!(
        r.text()
            .contains("No server is available to handle this request.")
    );
}

#[test]
fn backend_without_servers_gives_503() {
    let p = Setup::new(
        "
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:@FE@
  default_backend empty
backend empty
",
    )
    .start(Engine::Halo);
    assert_eq!(p.get("/").status, 503);
}

#[test]
fn bad_server_response_gives_502() {
    let b = Backend::with(|_r: &Received| Reply::SendClose(b"NOT HTTP AT ALL\r\n\r\n".to_vec()));
    let p = start_with(&b);
    let r = p.get("/");
    // The reason phrase is checked against haproxy in proxy_diff.rs (`error_502_page`).
    assert_eq!(r.status, 502);
    assert!(
        r.text()
            .contains("\nThe server returned an invalid or incomplete response.\n"),
        "{}",
        r.text()
    );
}

#[test]
fn server_closing_without_answer_gives_502() {
    let b = Backend::with(|_r: &Received| Reply::Close);
    let p = start_with(&b);
    assert_eq!(p.get("/").status, 502);
}

#[test]
fn server_timeout_gives_504() {
    let b = Backend::with(|_r: &Received| Reply::Hang(Duration::from_secs(3)));
    let p = start_with(&b);
    let start = Instant::now();
    let r = p.get("/");
    assert_eq!(r.status_line, "HTTP/1.1 504 Gateway Time-out");
    assert_eq!(
        r.text(),
        "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n"
    );
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[test]
fn incomplete_request_times_out_with_408() {
    let b = Backend::echo();
    let p = start_with(&b);
    let mut c = p.client();
    c.send("GET / HTTP/1.1\r\nHost: a\r\n");
    let start = Instant::now();
    let r = c.read_response(false);
    assert_eq!(r.status_line, "HTTP/1.1 408 Request Time-out");
    assert!(r.text().contains("<h1>408 Request Time-out</h1>"));
    assert!(start.elapsed() < Duration::from_secs(4));
    assert!(c.closed_within(Duration::from_secs(2)));
}

#[test]
fn other_connections_survive_errors() {
    let b = Backend::with(|r: &Received| {
        if r.uri == "/bad" {
            Reply::SendClose(b"garbage\r\n\r\n".to_vec())
        } else {
            Reply::Send(support::backend::echo_reply(r))
        }
    });
    let p = start_with(&b);
    let mut keep = p.client();
    assert_eq!(keep.request(get("/good")).status, 200);
    assert_eq!(p.get("/bad").status, 502);
    let mut c = p.client();
    c.send("\x00\x01\x02\r\n\r\n");
    assert_eq!(c.read_response(false).status, 400);
    assert_eq!(keep.request(get("/good2")).status, 200);
}
