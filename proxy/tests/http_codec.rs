//! The http module's replies against bytes captured from haproxy 2.6 (`tests/data/haproxy-2.6/`,
//! recorded with nc: `deny<N>` from `http-request deny deny_status N`, `real<N>` from the real
//! condition (a bad request, a request timeout, a TE haproxy refuses, a garbage server
//! response, a backend without server, a server timeout), `ret*` from `http-request return`,
//! `redir*` from `http-request redirect`).

use bytes::{Bytes, BytesMut};
use halo::http::errors::{error_reply, raw_error};
use halo::http::reply::{clear_cookie_value, http_return, redirect, set_cookie_value};
use halo::http::{Reply, Version};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/data/haproxy-2.6/{name}.bin",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn written(reply: &Reply) -> Vec<u8> {
    let mut out = BytesMut::new();
    reply.write(Version::Http11, true, &mut out);
    out.to_vec()
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn raw_errors_match_haproxy() {
    for (status, name) in [(400, "real400"), (408, "real408"), (422, "real422")] {
        assert_eq!(show(raw_error(status).unwrap()), show(&fixture(name)));
    }
}

#[test]
fn stream_errors_match_haproxy() {
    for status in [
        200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504,
    ] {
        let reply = error_reply(status).unwrap();
        assert_eq!(
            show(&written(&reply)),
            show(&fixture(&format!("deny{status}"))),
            "{status}"
        );
    }
    for status in [502, 503, 504] {
        let reply = error_reply(status).unwrap();
        assert_eq!(
            show(&written(&reply)),
            show(&fixture(&format!("real{status}")))
        );
    }
}

#[test]
fn returns_match_haproxy() {
    let r = http_return(
        200,
        Some(Bytes::from_static(b"text/plain")),
        Bytes::from_static(b"hello"),
    );
    assert_eq!(show(&written(&r)), show(&fixture("ret")));
    for (status, name) in [(200, "ret200"), (404, "ret404"), (503, "ret503")] {
        let r = http_return(status, None, Bytes::new());
        assert_eq!(show(&written(&r)), show(&fixture(name)));
    }
}

#[test]
fn redirects_match_haproxy() {
    let loc = |s: &'static str| Bytes::from_static(s.as_bytes());
    let cases = [
        (redirect(302, loc("/x"), None), "redir"),
        (redirect(301, loc("/y"), None), "redir301"),
        (redirect(303, loc("/z"), None), "redir303"),
        (redirect(307, loc("/z"), None), "redir307"),
        (redirect(308, loc("/z"), None), "redir308"),
        (
            redirect(302, loc("/z"), Some(set_cookie_value(b"A=B"))),
            "redirck",
        ),
        (
            redirect(302, loc("/z"), Some(clear_cookie_value(b"Q="))),
            "redirclr",
        ),
        (
            redirect(301, loc("/z"), Some(set_cookie_value(b"S=1"))),
            "redir301ck",
        ),
    ];
    for (reply, name) in cases {
        assert_eq!(show(&written(&reply)), show(&fixture(name)), "{name}");
    }
}

/// The loop an engine runs on a client connection: head, framing, body events, next head,
/// fed in pieces of every size from one buffer holding several pipelined requests.
#[test]
fn pipelined_requests_with_bodies_in_pieces() {
    use halo::http::body::request_framing;
    use halo::http::{BodyDecoder, BodyEvent, Limits, Parsed, parse_request};
    let input: &[u8] = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello\
GET /b HTTP/1.1\r\nHost: h\r\n\r\n\
POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext\r\nabc\r\n0\r\nX-T: 1\r\n\r\n\
\r\nDELETE /d HTTP/1.0\r\n\r\n";
    let limits = Limits::default();
    for step in 1..=input.len() {
        let mut buf = BytesMut::new();
        let mut fed = 0;
        let mut seen: Vec<(String, Vec<u8>, usize)> = Vec::new();
        let mut current: Option<(String, Vec<u8>, usize, BodyDecoder)> = None;
        loop {
            // Drain everything the buffer holds.
            loop {
                if let Some((uri, body, trailers, dec)) = current.as_mut() {
                    match dec.decode(&mut buf).unwrap() {
                        Some(BodyEvent::Data(d)) => body.extend_from_slice(&d),
                        Some(BodyEvent::End { trailers: t }) => {
                            *trailers = t.len();
                            seen.push((uri.clone(), std::mem::take(body), *trailers));
                            current = None;
                        }
                        None => break,
                    }
                } else {
                    match parse_request(&mut buf, &limits).unwrap() {
                        Parsed::Complete { mut head, .. } => {
                            let framing = request_framing(&mut head).unwrap();
                            let uri = String::from_utf8_lossy(&head.uri).into_owned();
                            current = Some((uri, Vec::new(), 0, BodyDecoder::new(framing, limits)));
                        }
                        Parsed::Incomplete => break,
                    }
                }
            }
            if fed == input.len() {
                break;
            }
            let n = step.min(input.len() - fed);
            buf.extend_from_slice(&input[fed..fed + n]);
            fed += n;
        }
        let expect: Vec<(String, Vec<u8>, usize)> = vec![
            ("/a".into(), b"hello".to_vec(), 0),
            ("/b".into(), vec![], 0),
            ("/c".into(), b"abc".to_vec(), 1),
            ("/d".into(), vec![], 0),
        ];
        assert_eq!(seen, expect, "step {step}");
        assert!(buf.is_empty());
    }
}
