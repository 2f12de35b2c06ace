//! The fast path of head parsing: `httparse` (SIMD where the CPU has it) for the common
//! case, feeding the same finishing code as the complete parser in `parse.rs`.
//!
//! httparse is stricter than haproxy in places (obs-folds, control bytes in values,
//! versions other than 1.0/1.1, several blanks in the request line, 0x7f in the URI); when it
//! refuses a head, `None` hands the buffer to the complete parser, which decides. Where it is
//! more lenient (`#` and bytes above 0x7f in the URI, a status below 100) the head is also
//! handed over. So every head gets haproxy's answer, and the tests check that both paths
//! agree.

use super::head::{RequestHead, ResponseHead, Version};
use super::parse::{HeaderRanges, Limits, ParseError, Parsed, finish_request, finish_response};
use bytes::BytesMut;
use std::ops::Range;

/// httparse is given room for this many headers; more goes to the complete parser.
const FAST_HEADERS: usize = 100;

/// Where `part` (a slice httparse returned) lies in `base`; `None` if it does not, which
/// httparse never does, but then the complete parser takes over instead of anything panicking.
fn offset(base: &[u8], part: &[u8]) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(base.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= base.len()).then_some(start..end)
}

fn header_ranges(base: &[u8], headers: &[httparse::Header<'_>]) -> Option<Vec<HeaderRanges>> {
    headers
        .iter()
        .map(|h| Some((offset(base, h.name.as_bytes())?, offset(base, h.value)?)))
        .collect()
}

fn lowercase_names(buf: &mut [u8], headers: &[HeaderRanges]) {
    for (name, _) in headers {
        buf[name.clone()].make_ascii_lowercase();
    }
}

/// `None`: let the complete parser decide.
pub(crate) fn request(
    buf: &mut BytesMut,
    limits: &Limits,
) -> Option<Result<Parsed<RequestHead>, ParseError>> {
    let max = limits.max_header_count().min(FAST_HEADERS);
    let mut storage = [httparse::EMPTY_HEADER; FAST_HEADERS];
    let mut req = httparse::Request::new(&mut storage[..max]);
    let (end, method, uri, version, headers) = match req.parse(buf) {
        Ok(httparse::Status::Complete(end)) => {
            let uri = req.path?.as_bytes();
            if uri.iter().any(|&b| b == b'#' || b > 0x7e) {
                return None;
            }
            let version = if req.version? == 1 {
                Version::Http11
            } else {
                Version::Http10
            };
            (
                end,
                offset(buf, req.method?.as_bytes())?,
                offset(buf, uri)?,
                version,
                header_ranges(buf, req.headers)?,
            )
        }
        // Everything so far is valid for httparse, hence for haproxy unless the URI has a
        // byte httparse allows and haproxy does not: wait, unless the buffer is already over
        // the limit (the complete parser says how).
        Ok(httparse::Status::Partial)
            if buf.len() <= limits.max_raw_head()
                && !req
                    .path
                    .is_some_and(|p| p.bytes().any(|b| b == b'#' || b > 0x7e)) =>
        {
            return Some(Ok(Parsed::Incomplete));
        }
        _ => return None,
    };
    lowercase_names(buf, &headers);
    Some(finish_request(
        buf, limits, end, method, uri, version, headers,
    ))
}

/// `None`: let the complete parser decide.
pub(crate) fn response(
    buf: &mut BytesMut,
    limits: &Limits,
) -> Option<Result<Parsed<ResponseHead>, ParseError>> {
    let max = limits.max_header_count().min(FAST_HEADERS);
    let mut storage = [httparse::EMPTY_HEADER; FAST_HEADERS];
    let mut resp = httparse::Response::new(&mut storage[..max]);
    let (end, version, status, reason, headers) = match resp.parse(buf) {
        Ok(httparse::Status::Complete(end)) => {
            let status = resp.code?;
            if status < 100 {
                return None;
            }
            let version = if resp.version? == 1 {
                Version::Http11
            } else {
                Version::Http10
            };
            // httparse gives "" (not a slice of the buffer) for a missing reason.
            let reason = match resp.reason? {
                "" => 0..0,
                r => offset(buf, r.as_bytes())?,
            };
            (
                end,
                version,
                status,
                reason,
                header_ranges(buf, resp.headers)?,
            )
        }
        Ok(httparse::Status::Partial)
            if buf.len() <= limits.max_raw_head() && resp.code.is_none_or(|c| c >= 100) =>
        {
            return Some(Ok(Parsed::Incomplete));
        }
        _ => return None,
    };
    lowercase_names(buf, &headers);
    Some(finish_response(
        buf, limits, end, version, status, reason, headers,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::{parse_request_full, parse_response_full};

    /// Heads assembled from pieces that exercise both parsers' rules.
    fn corpus() -> Vec<Vec<u8>> {
        let starts: &[&[u8]] = &[
            b"GET / HTTP/1.1",
            b"get /a?b HTTP/1.0",
            b"POST http://h/x HTTP/1.1",
            b"GET /#x HTTP/1.1",
            b"GET /\xc3\xa9 HTTP/1.1",
            b"GET  / HTTP/1.1",
            b"GET / HTTP/1.2",
            b"GET /\x7f HTTP/1.1",
            b"\r\nGET / HTTP/1.1",
            b"HTTP/1.1 200 OK",
            b"HTTP/1.0 404 Not Found",
            b"HTTP/1.1 099 X",
            b"HTTP/1.1 200",
            b"HTTP/1.1 204 ",
        ];
        let headers: &[&[u8]] = &[
            b"Host: h",
            b"HOST: h",
            b"Host: other",
            b"X-A:  b  ",
            b"X-A:\tb\x01",
            b"X-Fold: a\r\n b",
            b"Bad Name: x",
            b"X-Empty:",
            b"Connection: upgrade",
            b"Upgrade: websocket",
            b"X-B: b\rc",
            b"Content-Length: 3",
        ];
        let ends: &[&[u8]] = &[b"\r\n", b"\n"];
        let mut out = Vec::new();
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..5000 {
            let mut v = starts[next(starts.len())].to_vec();
            let eol = ends[next(ends.len())];
            v.extend_from_slice(eol);
            for _ in 0..next(5) {
                v.extend_from_slice(headers[next(headers.len())]);
                v.extend_from_slice(ends[next(ends.len())]);
            }
            v.extend_from_slice(eol);
            v.extend_from_slice(b"rest");
            let cut = v.len() - next(8).min(v.len());
            v.truncate(cut);
            out.push(v);
        }
        out
    }

    #[test]
    fn fast_path_agrees_with_the_complete_parser() {
        let limits = Limits::default();
        let mut taken = 0;
        for input in corpus() {
            let mut a = BytesMut::from(&input[..]);
            let mut b = a.clone();
            if let Some(fast) = request(&mut a, &limits) {
                taken += 1;
                assert_eq!(
                    fast,
                    parse_request_full(&mut b, &limits),
                    "{:?}",
                    String::from_utf8_lossy(&input)
                );
                assert_eq!(a, b);
            }
            let mut a = BytesMut::from(&input[..]);
            let mut b = a.clone();
            if let Some(fast) = response(&mut a, &limits) {
                assert_eq!(
                    fast,
                    parse_response_full(&mut b, &limits),
                    "{:?}",
                    String::from_utf8_lossy(&input)
                );
                assert_eq!(a, b);
            }
        }
        assert!(taken > 500, "the fast path was taken only {taken} times");
    }
}
