//! Connection persistence as haproxy 2.6 handles it in its three HTTP modes, `Expect:
//! 100-continue`, and `option forwardfor`.
//!
//! Observed on haproxy 2.6 (see docs/COMPAT.md for the table):
//! - On the way through, `close` and `keep-alive` tokens are removed from every `Connection`
//!   header (a header left empty is dropped; other tokens, like `upgrade`, stay), then one
//!   `connection:` header is appended after all the others when the version's default does
//!   not say what haproxy wants: `keep-alive` on an HTTP/1.0 message of a connection it keeps,
//!   `close` on an HTTP/1.1 message of a connection it closes. Nothing is added when an
//!   `upgrade` token stayed.
//! - Server side: kept alive in `http-keep-alive` mode whatever the client said, closed in
//!   `http-server-close` and `httpclose`.
//! - Client side: kept alive unless `httpclose`, or the request says close (`close` token, or
//!   HTTP/1.0 without `keep-alive`), or the response runs until close. What the server said
//!   about its own connection does not reach the client (a server's `Connection: close` or
//!   HTTP/1.0 does not close the client connection). The response to an HTTP/1.0 request that
//!   is kept gets `connection: keep-alive` even when the response is HTTP/1.1.

use super::body::BodyFraming;
use super::head::{RequestHead, ResponseHead, Version};
use super::headers::{HeaderList, split_comma_list, trim_blanks};
use bytes::{BufMut, Bytes, BytesMut};
use std::net::IpAddr;

/// `option http-keep-alive` (the default), `option http-server-close`, `option httpclose`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpMode {
    #[default]
    KeepAlive,
    ServerClose,
    Close,
}

/// The tokens of every `Connection` header that matter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionTokens {
    pub close: bool,
    pub keep_alive: bool,
    pub upgrade: bool,
}

pub fn connection_tokens(headers: &HeaderList) -> ConnectionTokens {
    let mut t = ConnectionTokens::default();
    for token in headers.split_values(b"connection") {
        if token.eq_ignore_ascii_case(b"close") {
            t.close = true;
        } else if token.eq_ignore_ascii_case(b"keep-alive") {
            t.keep_alive = true;
        } else if token.eq_ignore_ascii_case(b"upgrade") {
            t.upgrade = true;
        }
    }
    t
}

/// Removes `close` and `keep-alive` from every Connection header, dropping the ones left
/// empty. Returns whether an `upgrade` token remains.
fn clean_connection_headers(headers: &mut HeaderList) -> bool {
    let mut upgrade = false;
    let mut emptied = false;
    for h in headers.iter_mut() {
        if &h.name[..] != b"connection" {
            continue;
        }
        let kept: Vec<&[u8]> = split_comma_list(&h.value)
            .filter(|t| !t.eq_ignore_ascii_case(b"close") && !t.eq_ignore_ascii_case(b"keep-alive"))
            .filter(|t| !t.is_empty())
            .collect();
        upgrade |= kept.iter().any(|t| t.eq_ignore_ascii_case(b"upgrade"));
        if kept.is_empty() {
            emptied = true;
            h.value = Bytes::new();
        } else if kept.len() != split_comma_list(&h.value).count() {
            let mut v = BytesMut::with_capacity(h.value.len());
            for (i, t) in kept.iter().enumerate() {
                if i > 0 {
                    v.put_slice(b", ");
                }
                v.put_slice(t);
            }
            h.value = v.freeze();
        }
    }
    if emptied {
        headers.retain(|h| &h.name[..] != b"connection" || !trim_blanks(&h.value).is_empty());
    }
    upgrade
}

/// First pass on the client side: whether the client connection can stay open after this
/// transaction, from the request alone.
pub fn client_keep_alive(req: &RequestHead, mode: HttpMode) -> bool {
    if mode == HttpMode::Close {
        return false;
    }
    let t = connection_tokens(&req.headers);
    !t.close && (req.version != Version::Http10 || t.keep_alive)
}

/// Second pass on the client side, once the response's framing is known: a body that runs
/// until close ends the connection. A reply haproxy makes itself with `Connection: close`
/// (its 400 and 408 pages: `Reply::close`) does too; the engine ANDs that in.
pub fn client_keep_alive_after_response(client_keep_alive: bool, framing: BodyFraming) -> bool {
    client_keep_alive && framing != BodyFraming::UntilClose
}

/// Rewrites the request's Connection headers for the server side and returns whether the
/// server connection may be reused after the response (before the response has its say:
/// see `server_keep_alive_after_response`).
pub fn prepare_request_for_server(req: &mut RequestHead, mode: HttpMode) -> bool {
    let keep = mode == HttpMode::KeepAlive;
    let upgrade = clean_connection_headers(&mut req.headers);
    if !upgrade {
        match (keep, req.version) {
            (true, Version::Http10) => req.headers.add("connection", "keep-alive"),
            (false, Version::Http11) => req.headers.add("connection", "close"),
            _ => {}
        }
    }
    keep
}

/// Whether the server connection can be reused after this response: it must have a known
/// length and not ask to close (`close` token, or HTTP/1.0 without `keep-alive`).
pub fn server_keep_alive_after_response(
    server_keep_alive: bool,
    resp: &ResponseHead,
    framing: BodyFraming,
) -> bool {
    let t = connection_tokens(&resp.headers);
    server_keep_alive
        && framing != BodyFraming::UntilClose
        && !t.close
        && (resp.version != Version::Http10 || t.keep_alive)
}

/// Rewrites a (final) response's Connection headers for the client, given the request's
/// version and whether the client connection stays open.
pub fn prepare_response_for_client(
    resp: &mut ResponseHead,
    request_version: Version,
    keep_alive: bool,
) {
    let upgrade = clean_connection_headers(&mut resp.headers);
    if upgrade {
        return;
    }
    if keep_alive {
        if resp.version == Version::Http10 || request_version == Version::Http10 {
            resp.headers.add("connection", "keep-alive");
        }
    } else if resp.version == Version::Http11 {
        resp.headers.add("connection", "close");
    }
}

/// Whether the client waits for `100 Continue` before sending its body (HTTP/1.1 only).
/// haproxy forwards the `Expect` header to the server, which answers the interim response;
/// an applet reading the body has `CONTINUE_100` sent for it.
pub fn expects_continue(req: &RequestHead) -> bool {
    req.version == Version::Http11
        && req
            .headers
            .get(b"expect")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"))
}

/// The interim response, bytes as haproxy sends them.
pub const CONTINUE_100: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// `option forwardfor [header <name>]`: appends a new header (never merged into an existing
/// one) with the client address, IPv4-mapped IPv6 shown as IPv4.
pub fn add_forwarded_for(req: &mut RequestHead, client: IpAddr, header: Option<&[u8]>) {
    let name = Bytes::copy_from_slice(header.unwrap_or(b"x-forwarded-for"));
    req.headers
        .add(name, Bytes::from(client.to_canonical().to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::{Limits, Parsed, parse_request, parse_response};
    use crate::http::write::{write_request_head, write_response_head};

    fn request(s: &str) -> RequestHead {
        match parse_request(&mut BytesMut::from(s.as_bytes()), &Limits::default()) {
            Ok(Parsed::Complete { head, .. }) => head,
            other => panic!("{other:?}"),
        }
    }

    fn response(s: &str) -> ResponseHead {
        match parse_response(&mut BytesMut::from(s.as_bytes()), &Limits::default()) {
            Ok(Parsed::Complete { head, .. }) => head,
            other => panic!("{other:?}"),
        }
    }

    /// What the server receives, headers after the request line, as "a: b|c: d|".
    fn to_server(req: &str, mode: HttpMode) -> String {
        let mut head = request(req);
        prepare_request_for_server(&mut head, mode);
        let mut out = BytesMut::new();
        write_request_head(&head, &mut out);
        let s = String::from_utf8_lossy(&out).replace("\r\n", "|");
        s.split_once('|')
            .unwrap()
            .1
            .trim_end_matches('|')
            .to_string()
            + "|"
    }

    #[test]
    fn server_side_like_haproxy() {
        use HttpMode::*;
        let cases = [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", KeepAlive, "host: a|"),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                KeepAlive,
                "host: a|",
            ),
            (
                "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
                KeepAlive,
                "host: a|connection: keep-alive|",
            ),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
                ServerClose,
                "host: a|connection: close|",
            ),
            (
                "GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
                ServerClose,
                "host: a|",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: foo\r\n\r\n",
                Close,
                "connection: foo|connection: close|",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: keep-alive, foo\r\n\r\n",
                KeepAlive,
                "connection: foo|",
            ),
            (
                "GET / HTTP/1.0\r\nConnection: keep-alive, foo\r\nX: y\r\n\r\n",
                KeepAlive,
                "connection: foo|x: y|connection: keep-alive|",
            ),
            (
                "GET / HTTP/1.0\r\nConnection: foo\r\nConnection: keep-alive\r\nX: y\r\n\r\n",
                KeepAlive,
                "connection: foo|x: y|connection: keep-alive|",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: close\r\nX: y\r\n\r\n",
                Close,
                "x: y|connection: close|",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: foo, Upgrade\r\nUpgrade: x\r\n\r\n",
                Close,
                "connection: foo, Upgrade|upgrade: x|",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n",
                KeepAlive,
                "connection: foo|",
            ),
        ];
        for (req, mode, expect) in cases {
            assert_eq!(to_server(req, mode), expect, "{req:?} {mode:?}");
        }
    }

    /// (request, mode, response, response framing) -> headers the client gets.
    #[test]
    fn client_side_like_haproxy() {
        use BodyFraming::*;
        use HttpMode::*;
        let cases = [
            (
                "GET / HTTP/1.1\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 200 OK\r\n\r\n",
                Length(2),
                "",
                true,
            ),
            (
                "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 200 OK\r\n\r\n",
                Length(2),
                "connection: close|",
                false,
            ),
            (
                "GET / HTTP/1.0\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 200 OK\r\n\r\n",
                Length(2),
                "connection: close|",
                false,
            ),
            (
                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 200 OK\r\n\r\n",
                Length(2),
                "connection: keep-alive|",
                true,
            ),
            (
                "GET / HTTP/1.1\r\n\r\n",
                KeepAlive,
                "HTTP/1.0 200 OK\r\n\r\n",
                Length(2),
                "connection: keep-alive|",
                true,
            ),
            (
                "GET / HTTP/1.1\r\n\r\n",
                KeepAlive,
                "HTTP/1.0 200 OK\r\nX-Y: z\r\n\r\n",
                UntilClose,
                "x-y: z|",
                false,
            ),
            (
                "GET / HTTP/1.1\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
                Length(2),
                "",
                true,
            ),
            (
                "GET / HTTP/1.1\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 200 OK\r\nConnection: foo, keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
                Length(2),
                "connection: foo|keep-alive: timeout=5|",
                true,
            ),
            (
                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                ServerClose,
                "HTTP/1.1 200 OK\r\n\r\n",
                Chunked,
                "connection: keep-alive|",
                true,
            ),
            (
                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                Close,
                "HTTP/1.1 200 OK\r\n\r\n",
                Chunked,
                "connection: close|",
                false,
            ),
            (
                "GET / HTTP/1.1\r\n\r\n",
                Close,
                "HTTP/1.0 200 OK\r\n\r\n",
                Length(2),
                "",
                false,
            ),
            (
                "GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n",
                KeepAlive,
                "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n",
                Empty,
                "connection: Upgrade|upgrade: x|",
                true,
            ),
        ];
        for (req, mode, resp, framing, expect, keep) in cases {
            let req = request(req);
            let mut resp = response(resp);
            let k = client_keep_alive_after_response(client_keep_alive(&req, mode), framing);
            assert_eq!(k, keep, "{req:?} {mode:?}");
            prepare_response_for_client(&mut resp, req.version, k);
            let mut out = BytesMut::new();
            write_response_head(&resp, &mut out);
            let s = String::from_utf8_lossy(&out).replace("\r\n", "|");
            let got = s
                .split_once('|')
                .unwrap()
                .1
                .trim_end_matches('|')
                .to_string();
            let got = if got.is_empty() { got } else { got + "|" };
            assert_eq!(got, expect, "{req:?} {mode:?}");
        }
    }

    #[test]
    fn server_reuse() {
        let r = response("HTTP/1.1 200 OK\r\n\r\n");
        assert!(server_keep_alive_after_response(
            true,
            &r,
            BodyFraming::Length(1)
        ));
        assert!(!server_keep_alive_after_response(
            true,
            &r,
            BodyFraming::UntilClose
        ));
        assert!(!server_keep_alive_after_response(
            false,
            &r,
            BodyFraming::Length(1)
        ));
        let r = response("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        assert!(!server_keep_alive_after_response(
            true,
            &r,
            BodyFraming::Length(1)
        ));
        let r = response("HTTP/1.0 200 OK\r\n\r\n");
        assert!(!server_keep_alive_after_response(
            true,
            &r,
            BodyFraming::Length(1)
        ));
        let r = response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n");
        assert!(server_keep_alive_after_response(
            true,
            &r,
            BodyFraming::Length(1)
        ));
    }

    #[test]
    fn expect_and_forwardfor() {
        assert!(expects_continue(&request(
            "POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n"
        )));
        assert!(!expects_continue(&request(
            "POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"
        )));
        assert!(!expects_continue(&request("POST / HTTP/1.1\r\n\r\n")));
        let mut r = request("GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nHost: a\r\n\r\n");
        add_forwarded_for(&mut r, "127.0.0.1".parse().unwrap(), None);
        add_forwarded_for(&mut r, "::ffff:10.0.0.1".parse().unwrap(), None);
        add_forwarded_for(&mut r, "::1".parse().unwrap(), Some(b"X-Client"));
        let all: Vec<_> = r
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        assert_eq!(
            all,
            [
                ("x-forwarded-for".into(), "1.2.3.4".into()),
                ("host".into(), "a".into()),
                ("x-forwarded-for".into(), "127.0.0.1".into()),
                ("x-forwarded-for".into(), "10.0.0.1".into()),
                ("x-client".into(), "::1".into()),
            ]
        );
    }
}
