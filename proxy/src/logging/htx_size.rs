//! How HAProxy 2.6 counts the bytes of an HTTP message in its logs (`%B`, `bytes_out`): not
//! the bytes on the wire but the size of its internal HTX message, measured with haproxy 2.6
//! on content-length, chunked, HEAD, HTTP/1.0, Lua service, `return`/`deny`/`redirect` and
//! error responses:
//! - the start line: a 20-byte `htx_sl` plus the version, the status code and the reason;
//! - each header: name plus value (no `: `, no CRLF); `Connection` carries no `close` or
//!   `keep-alive` token there (the H1 layer turns them into flags, and drops the header when
//!   nothing is left), and what the H1 layer adds on output is not counted;
//! - 1 for the end of headers;
//! - the body's data bytes (chunk sizes and CRLFs excluded);
//! - for a chunked body, 1 for the end of trailers, plus the trailers as headers.
//!
//! Errors the H1 layer answers itself (a request it cannot parse, a timeout while reading it)
//! are not messages of the stream: they count 0.

use crate::http::{HeaderList, RequestHead, ResponseHead};

/// `sizeof(struct htx_sl)`: flags, status/method, and three lengths.
const HTX_SL: u64 = 20;
/// The end-of-headers and end-of-trailers blocks.
const END_BLOCK: u64 = 1;

/// A request head's data as `req.len` counts it (measured): the start line structure with the
/// end of headers (21), the method, the URI and the version, and each header's name and value
/// as received.
pub fn request_head(req: &RequestHead) -> u64 {
    let heads: usize = req
        .headers
        .iter()
        .map(|h| h.name.len() + h.value.len())
        .sum();
    HTX_SL + END_BLOCK + (req.method.len() + req.uri.len() + 8 + heads) as u64
}

/// A response head as counted when it is forwarded (before the client-side connection
/// header is added).
pub fn response_head(head: &ResponseHead) -> u64 {
    // The version is always 8 bytes (`HTTP/1.x`) and the status 3 digits.
    HTX_SL + 8 + 3 + head.reason.len() as u64 + headers(&head.headers) + END_BLOCK
}

/// Headers (or trailers) as HTX holds them.
pub fn headers(list: &HeaderList) -> u64 {
    list.iter()
        .map(|h| {
            if h.name.eq_ignore_ascii_case(b"connection") {
                let kept = connection_value_len(&h.value);
                if kept == 0 {
                    0
                } else {
                    (h.name.len() + kept) as u64
                }
            } else {
                (h.name.len() + h.value.len()) as u64
            }
        })
        .sum()
}

/// The length of a `Connection` value once `close` and `keep-alive` are taken out (the other
/// tokens stay, joined by ", ").
fn connection_value_len(v: &[u8]) -> usize {
    let kept: Vec<&[u8]> = v
        .split(|&c| c == b',')
        .map(|t| t.trim_ascii())
        .filter(|t| {
            !t.is_empty()
                && !t.eq_ignore_ascii_case(b"close")
                && !t.eq_ignore_ascii_case(b"keep-alive")
        })
        .collect();
    if kept.is_empty() {
        return 0;
    }
    kept.iter().map(|t| t.len()).sum::<usize>() + 2 * (kept.len() - 1)
}

/// A whole response Halo makes itself (`return`, `deny`, `redirect`, error pages).
pub fn reply(head: &ResponseHead, body_len: usize) -> u64 {
    response_head(head) + body_len as u64
}

/// The end of a chunked body: the end-of-trailers block and the trailers.
pub fn chunked_end(trailers: &HeaderList) -> u64 {
    END_BLOCK + headers(trailers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn head(status: u16, reason: &str, hdrs: &[(&str, &str)]) -> ResponseHead {
        let mut h = ResponseHead::new(status);
        h.reason = Bytes::copy_from_slice(reason.as_bytes());
        for (n, v) in hdrs {
            h.headers.add(
                Bytes::copy_from_slice(n.as_bytes()),
                Bytes::copy_from_slice(v.as_bytes()),
            );
        }
        h
    }

    #[test]
    fn sizes_recorded_from_haproxy() {
        // `%B` of haproxy 2.6 for these responses (see the module documentation).
        let cl = head(200, "OK", &[("content-length", "5")]);
        assert_eq!(reply(&cl, 5), 54);
        let chunked = head(200, "OK", &[("transfer-encoding", "chunked")]);
        assert_eq!(
            response_head(&chunked) + 11 + chunked_end(&HeaderList::default()),
            70
        );
        assert_eq!(response_head(&head(204, "No Content", &[])), 42);
        let close = head(200, "OK", &[("connection", "close")]);
        assert_eq!(response_head(&close) + 17, 51);
        let deny = head(
            403,
            "Forbidden",
            &[
                ("content-length", "93"),
                ("cache-control", "no-cache"),
                ("content-type", "text/html"),
            ],
        );
        assert_eq!(reply(&deny, 93), 192);
        let redirect = head(
            302,
            "Found",
            &[
                ("content-length", "0"),
                ("location", "/x"),
                ("cache-control", "no-cache"),
            ],
        );
        assert_eq!(reply(&redirect, 0), 83);
        assert_eq!(
            connection_value_len(b"close, Upgrade , x"),
            "Upgrade, x".len()
        );
    }
}
