//! The integration-test kit itself: ports never repeat within a binary, a proxy dies with its
//! handle even when the test panics, the client's framings, the backend's records.

mod support;

use std::collections::HashSet;
use std::io::Write;
use std::net::TcpListener;
use std::time::Duration;

use support::{Backend, Client, Engine, Setup};

#[test]
fn ports_are_unique_across_threads() {
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                (0..10)
                    .map(|_| support::ports::free_port())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for t in threads {
        for p in t.join().unwrap() {
            assert!((24000..25000).contains(&p));
            assert!(seen.insert(p), "port {p} given twice");
        }
    }
}

const CFG: &str = "
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:@FE@
  http-request return status 200 content-type text/plain string ok
";

fn alive(pid: i32) -> bool {
    // A zombie is reaped by Drop's wait, so a dead child does not answer signal 0.
    // SAFETY: kill(2) with signal 0 only checks existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn proxy_is_killed_when_the_test_panics() {
    let pid = std::sync::Arc::new(std::sync::Mutex::new(0));
    let p2 = pid.clone();
    let r = std::panic::catch_unwind(move || {
        let p = Setup::new(CFG).start(Engine::Halo);
        *p2.lock().unwrap() = p.pid();
        assert_eq!(p.get("/").text(), "ok");
        panic!("a failing test");
    });
    assert!(r.is_err());
    let pid = *pid.lock().unwrap();
    assert!(pid > 0);
    assert!(!alive(pid), "halo {pid} outlived its test");
}

#[test]
fn start_failure_reports_stderr() {
    let err =
        match Setup::new("frontend fe\n  bind 127.0.0.1:@FE@\n  bogus\n").try_start(Engine::Halo) {
            Ok(_) => panic!("a bad configuration started"),
            Err(e) => e,
        };
    assert!(err.contains("unknown keyword 'bogus'"), "{err}");
}

/// A one-shot server sending `raw` to the first connection, then closing.
fn serve_once(raw: &'static [u8]) -> u16 {
    let l: TcpListener = support::ports::listener();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.write_all(raw);
        }
    });
    port
}

#[test]
fn client_framings() {
    let port = serve_once(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 204 No Content\r\nX-A:  b \r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.0 200 OK\r\n\r\nto the end",
    );
    let mut c = Client::connect(port).with_timeout(Duration::from_secs(5));
    assert_eq!(c.read_response(false).status, 100);
    let r = c.read_response(false);
    assert!(r.chunked);
    assert_eq!(r.text(), "abcde");
    assert_eq!(r.trailers, [("X-T".to_string(), "1".to_string())]);
    let r = c.read_response(false);
    assert_eq!((r.status, r.header("x-a")), (204, Some("b")));
    assert_eq!(r.names(), ["X-A"]);
    assert_eq!(c.read_response(false).text(), "hi");
    let r = c.read_response(false);
    assert_eq!(r.status_line, "HTTP/1.0 200 OK");
    assert_eq!(r.text(), "to the end");
}

#[test]
fn client_times_out() {
    let l = support::ports::listener();
    let port = l.local_addr().unwrap().port();
    let mut c = Client::connect(port).with_timeout(Duration::from_millis(200));
    c.send("GET / HTTP/1.1\r\n\r\n");
    let e = c.try_read_response(false).unwrap_err();
    assert!(e.contains("timed out"), "{e}");
    drop(l);
}

#[test]
fn backend_records_requests() {
    let b = Backend::echo();
    let mut c = Client::connect(b.port);
    let r = c.request(
        "POST /x?y HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
    );
    assert_eq!(r.header("x-conn"), Some("1"));
    let r = c.request("GET /z HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(r.header("x-rank"), Some("2"));
    let got = b.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].method.as_str(), got[0].uri.as_str()),
        ("POST", "/x?y")
    );
    assert_eq!(got[0].body, b"ab");
    assert!(got[0].chunked);
    assert_eq!(got[1].head, "GET /z HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(b.connections(), 1);
}
