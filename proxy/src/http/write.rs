//! Writing heads into an output buffer. haproxy 2.6 emits every header name lowercase on
//! both sides (checked: `Host` and `X-Mixed-Case` arrive as `host`, `x-mixed-case` at the
//! server and at the client); `HeaderList` keeps names lowercase, so they go out as stored.
//! The request version is written as 1.0 or 1.1 (haproxy sends `HTTP/1.2` requests on as
//! `HTTP/1.1`); a response's reason is sent as received (an empty one stays empty).

use super::head::{RequestHead, ResponseHead};
use super::headers::HeaderList;
use bytes::{BufMut, BytesMut};

/// `name: value\r\n` for each header, in order.
pub fn write_headers(headers: &HeaderList, out: &mut BytesMut) {
    for h in headers {
        out.reserve(h.name.len() + h.value.len() + 4);
        out.put_slice(&h.name);
        out.put_slice(b": ");
        out.put_slice(&h.value);
        out.put_slice(b"\r\n");
    }
}

fn headers_len(headers: &HeaderList) -> usize {
    headers
        .iter()
        .map(|h| h.name.len() + h.value.len() + 4)
        .sum()
}

/// The request line, headers and empty line.
pub fn write_request_head(head: &RequestHead, out: &mut BytesMut) {
    out.reserve(head.method.len() + head.uri.len() + 14 + headers_len(&head.headers));
    out.put_slice(&head.method);
    out.put_u8(b' ');
    out.put_slice(&head.uri);
    out.put_u8(b' ');
    out.put_slice(head.version.as_bytes());
    out.put_slice(b"\r\n");
    write_headers(&head.headers, out);
    out.put_slice(b"\r\n");
}

/// The status line, headers and empty line.
pub fn write_response_head(head: &ResponseHead, out: &mut BytesMut) {
    out.reserve(head.reason.len() + 17 + headers_len(&head.headers));
    out.put_slice(head.version.as_bytes());
    out.put_u8(b' ');
    let s = head.status;
    if s > 999 {
        // Not a valid status, but never panic or write a wrong width: write it in full.
        out.put_slice(s.to_string().as_bytes());
    } else {
        out.put_slice(&[
            b'0' + (s / 100) as u8,
            b'0' + (s / 10 % 10) as u8,
            b'0' + (s % 10) as u8,
        ]);
    }
    out.put_u8(b' ');
    out.put_slice(&head.reason);
    out.put_slice(b"\r\n");
    write_headers(&head.headers, out);
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::{Limits, Parsed, parse_request, parse_response};

    #[test]
    fn round_trip_lowercases_like_haproxy() {
        let mut buf = BytesMut::from(&b"GET /x HTTP/1.2\r\nHost: a\r\nX-Foo: Bar\r\n\r\n"[..]);
        let Ok(Parsed::Complete { head, .. }) = parse_request(&mut buf, &Limits::default()) else {
            panic!()
        };
        let mut out = BytesMut::new();
        write_request_head(&head, &mut out);
        assert_eq!(
            &out[..],
            b"GET /x HTTP/1.1\r\nhost: a\r\nx-foo: Bar\r\n\r\n"
        );
        let mut buf = BytesMut::from(&b"HTTP/1.0 200 OK\r\nX-Mixed-Case: a\r\n\r\n"[..]);
        let Ok(Parsed::Complete { head, .. }) = parse_response(&mut buf, &Limits::default()) else {
            panic!()
        };
        let mut out = BytesMut::new();
        write_response_head(&head, &mut out);
        assert_eq!(&out[..], b"HTTP/1.0 200 OK\r\nx-mixed-case: a\r\n\r\n");
    }
}
