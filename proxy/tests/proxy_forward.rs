//! Forwarding through a real `halo` to a backend: keep-alive on both sides, pipelining, request
//! and response bodies in every framing, large bodies.

mod support;

use std::time::Duration;

use support::client::get;
use support::{Backend, Engine, Received, Reply, Setup};

const CFG: &str = "
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  default_backend be
backend be
  server s1 127.0.0.1:@BE@
";

fn start(b: &Backend) -> support::Proxy {
    Setup::new(CFG).backend(b).start(Engine::Halo)
}

#[test]
fn keep_alive_reuses_the_server_connection() {
    let b = Backend::echo();
    let p = start(&b);
    let mut c = p.client();
    for i in 0..5 {
        let r = c.request(get(&format!("/n{i}")));
        assert_eq!(r.status, 200);
        assert!(
            r.text().starts_with(&format!("GET /n{i} HTTP/1.1\r\n")),
            "{}",
            r.text()
        );
    }
    assert_eq!(b.received().len(), 5);
    assert_eq!(
        b.connections(),
        1,
        "one server connection for one keep-alive client"
    );
}

#[test]
fn response_headers_and_body_pass_unchanged() {
    let b = Backend::echo();
    let p = start(&b);
    let r = p.request("GET /x HTTP/1.1\r\nHost: h\r\nX-Custom: Yes\r\n\r\n");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        r.names(),
        ["content-type", "x-conn", "x-rank", "content-length"]
    );
    assert_eq!(
        r.text(),
        "GET /x HTTP/1.1\r\nhost: h\r\nx-custom: Yes\r\n\r\n"
    );
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let b = Backend::echo();
    let p = start(&b);
    let mut c = p.client();
    let mut all = String::new();
    for i in 0..10 {
        all.push_str(&get(&format!("/p{i}")));
    }
    all.push_str("POST /p10 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz");
    c.send(all);
    for i in 0..10 {
        let r = c.read_response(false);
        assert!(r.text().starts_with(&format!("GET /p{i} ")), "{}", r.text());
    }
    let r = c.read_response(false);
    assert!(r.text().ends_with("\r\n\r\nxyz"), "{}", r.text());
}

#[test]
fn request_bodies_content_length_and_chunked() {
    let b = Backend::echo();
    let p = start(&b);
    let mut c = p.client();
    let r = c.request("POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    assert!(r.text().ends_with("hello"));
    let r = c.request(
        "POST /ch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
         3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    let got = b.received();
    assert_eq!(got[0].body, b"hello");
    assert!(!got[0].chunked);
    assert_eq!(got[1].body, b"abcdefg");
    assert!(
        got[1].chunked,
        "a chunked request goes on chunked: {}",
        got[1].head
    );
}

#[test]
fn large_bodies_both_ways() {
    let b = Backend::echo();
    let p = start(&b);
    let body: Vec<u8> = (0..2_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut req = format!(
        "PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    let mut c = p.client().with_timeout(Duration::from_secs(30));
    // Write on a thread: the echo answers while the request is still coming, and a test that
    // wrote everything before reading could deadlock on full socket buffers.
    let mut w = c.writer();
    let t = std::thread::spawn(move || {
        use std::io::Write;
        w.write_all(&req).unwrap();
    });
    let r = c.read_response(false);
    t.join().unwrap();
    assert_eq!(r.status, 200);
    assert!(
        r.body.ends_with(&body),
        "response of {} bytes",
        r.body.len()
    );
    let got = wait_for(&b, 1);
    assert!(got[0].body == body);
}

fn wait_for(b: &Backend, n: usize) -> Vec<Received> {
    for _ in 0..500 {
        let r = b.received();
        if r.len() >= n {
            return r;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "the backend got {} requests, expected {n}",
        b.received().len()
    )
}

#[test]
fn chunked_response_from_the_server() {
    let b = Backend::with(|_r: &Received| {
        Reply::Send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nx-trailer: t\r\n\r\n"
                .to_vec(),
        )
    });
    let p = start(&b);
    let mut c = p.client();
    for _ in 0..2 {
        let r = c.request(get("/chunked"));
        assert!(r.chunked);
        assert_eq!(r.text(), "hello world");
    }
}

#[test]
fn close_delimited_response_from_the_server() {
    let b = Backend::with(|_r: &Received| {
        Reply::SendClose(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil the end".to_vec())
    });
    let p = start(&b);
    let mut c = p.client();
    c.send(get("/eof"));
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    // haproxy re-frames an unbounded response as chunked for an HTTP/1.1 client, or closes.
    assert_eq!(r.text(), "until the end");
}

#[test]
fn head_through_the_proxy() {
    let b = Backend::with(|r: &Received| {
        if r.method == "HEAD" {
            Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n".to_vec())
        } else {
            Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec())
        }
    });
    let p = start(&b);
    let mut c = p.client();
    let r = c.request("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(r.header("content-length"), Some("1234"));
    assert_eq!(c.request(get("/after")).text(), "ok");
}

#[test]
fn connection_close_from_the_client() {
    let b = Backend::echo();
    let p = start(&b);
    let mut c = p.client();
    let r = c.request("GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status, 200);
    assert!(c.closed_within(Duration::from_secs(3)));
}

#[test]
fn http10_without_keep_alive_closes() {
    let b = Backend::echo();
    let p = start(&b);
    let mut c = p.client();
    let r = c.request("GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 200);
    assert!(c.closed_within(Duration::from_secs(3)));
}
