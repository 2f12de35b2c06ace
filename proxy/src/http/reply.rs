//! Responses haproxy makes itself: the shape of `http-request return` and `redirect`
//! replies (header order and contents checked against haproxy 2.6), and how any reply is
//! written to the client.
//!
//! - `return status N [content-type T] [string S]`: `content-length` then `content-type`;
//!   without a body, only `content-length: 0`.
//! - `redirect ... [code C]`: `content-length: 0`, `location`, then `cache-control: no-cache`
//!   for 302, 303 and 307 (not 301 and 308), then the `set-cookie` of `set-cookie`/
//!   `clear-cookie`.

use super::connection::prepare_response_for_client;
use super::head::{ResponseHead, Version};
use super::write::write_response_head;
use bytes::{BufMut, Bytes, BytesMut};

/// A response made by the proxy: head, whole body, and whether the message itself asks to
/// close the client connection (haproxy's 400 and 408 pages do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub head: ResponseHead,
    pub body: Bytes,
    pub close: bool,
}

impl Reply {
    /// Writes the reply for a client whose request had `request_version`; `keep_alive` is the
    /// engine's decision for the client connection, to which `self.close` is added. Returns
    /// whether the connection stays open.
    pub fn write(&self, request_version: Version, keep_alive: bool, out: &mut BytesMut) -> bool {
        let keep = keep_alive && !self.close;
        let mut head = self.head.clone();
        prepare_response_for_client(&mut head, request_version, keep);
        write_response_head(&head, out);
        out.put_slice(&self.body);
        keep
    }
}

/// `http-request return status <status> [content-type <type>] [string|lf-string <body>]`,
/// the body already formatted.
pub fn http_return(status: u16, content_type: Option<Bytes>, body: Bytes) -> Reply {
    let mut head = ResponseHead::new(status);
    head.headers
        .add("content-length", Bytes::from(body.len().to_string()));
    if let Some(t) = content_type {
        head.headers.add("content-type", t);
    }
    Reply {
        head,
        body,
        close: false,
    }
}

/// `redirect location|prefix|scheme ... [code <code>] [set-cookie|clear-cookie ...]`, with
/// the location already built and the cookie formatted by `set_cookie_value` or
/// `clear_cookie_value`.
pub fn redirect(code: u16, location: Bytes, cookie: Option<Bytes>) -> Reply {
    let mut head = ResponseHead::new(code);
    head.headers.add("content-length", Bytes::from_static(b"0"));
    head.headers.add("location", location);
    if matches!(code, 302 | 303 | 307) {
        head.headers
            .add("cache-control", Bytes::from_static(b"no-cache"));
    }
    if let Some(c) = cookie {
        head.headers.add("set-cookie", c);
    }
    Reply {
        head,
        body: Bytes::new(),
        close: false,
    }
}

/// The `set-cookie` value of `redirect ... set-cookie NAME[=value]`: `NAME=value; path=/;`.
pub fn set_cookie_value(cookie: &[u8]) -> Bytes {
    let mut v = BytesMut::with_capacity(cookie.len() + 10);
    v.put_slice(cookie);
    v.put_slice(b"; path=/;");
    v.freeze()
}

/// The `set-cookie` value of `redirect ... clear-cookie NAME[=]`: `NAME=; path=/; Max-Age=0;`.
pub fn clear_cookie_value(name: &[u8]) -> Bytes {
    let name = name.strip_suffix(b"=").unwrap_or(name);
    let mut v = BytesMut::with_capacity(name.len() + 24);
    v.put_slice(name);
    v.put_slice(b"=; path=/; Max-Age=0;");
    v.freeze()
}
