//! Body framing (RFC 9112 §6 as HAProxy 2.6 applies it), the streaming body decoder, and the
//! chunked encoder.
//!
//! Framing, checked against haproxy 2.6:
//! - `Transfer-Encoding` wins over `Content-Length`, which is then removed; its codings are
//!   read across every TE header; `chunked` must be last and appear once (else 400 for a
//!   request, 502 for a response); a request with another coding before `chunked` gets 422
//!   (haproxy does not decode them); `chunked` is accepted from HTTP/1.0 too.
//! - `Content-Length`: digits only (no sign, no hex, not empty, no overflow); several headers
//!   or a list are fine when every value is the same (they are merged into one header),
//!   otherwise 400/502.
//! - a request without either has no body; a response without either runs until the server
//!   closes; responses to HEAD and 1xx/204/304 responses have no body.
//!
//! The decoder hands out data as `Bytes` split off the read buffer (no copy); chunk
//! extensions are dropped (haproxy drops them too); trailers come out as a `HeaderList`.

use super::head::{RequestHead, ResponseHead};
use super::headers::{HeaderList, split_comma_list};
use super::parse::{Limits, parse_header_lines};
use bytes::{BufMut, Bytes, BytesMut};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all.
    Empty,
    Length(u64),
    Chunked,
    /// Until the peer closes (responses only).
    UntilClose,
}

/// A framing HAProxy refuses; `status` is its answer (400/422 for a request, 502 for a
/// response).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramingError {
    pub status: u16,
    pub reason: &'static str,
}

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (HTTP {})", self.reason, self.status)
    }
}

impl std::error::Error for FramingError {}

/// What the TE and CL headers say, before the message kind is considered.
enum Declared {
    Chunked { only_chunked: bool },
    Length(u64),
    Nothing,
}

fn declared(headers: &mut HeaderList, status: u16) -> Result<Declared, FramingError> {
    let err = |reason| FramingError { status, reason };
    if headers.contains(b"transfer-encoding") {
        let codings: Vec<&[u8]> = headers.split_values(b"transfer-encoding").collect();
        let chunked = codings
            .iter()
            .filter(|c| c.eq_ignore_ascii_case(b"chunked"))
            .count();
        if chunked != 1
            || !codings
                .last()
                .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"))
        {
            return Err(err("Transfer-Encoding does not end with a single chunked"));
        }
        let only_chunked = codings.len() == 1;
        headers.remove(b"content-length");
        return Ok(Declared::Chunked { only_chunked });
    }
    let mut length: Option<u64> = None;
    let mut elements = 0;
    let mut first_text = Bytes::new();
    for v in headers.get_all(b"content-length") {
        for element in split_comma_list(v) {
            let n = parse_length(element).ok_or(err("invalid Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(err("different Content-Length values"));
            }
            if length.is_none() {
                first_text = v.slice_ref(element);
            }
            length = Some(n);
            elements += 1;
        }
    }
    match length {
        Some(n) => {
            if elements > 1 {
                headers.set("content-length", first_text);
            }
            Ok(Declared::Length(n))
        }
        None => Ok(Declared::Nothing),
    }
}

fn parse_length(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// The framing of a request body; removes Content-Length when TE is present and merges
/// duplicate Content-Length headers.
pub fn request_framing(head: &mut RequestHead) -> Result<BodyFraming, FramingError> {
    match declared(&mut head.headers, 400)? {
        Declared::Chunked {
            only_chunked: false,
        } => Err(FramingError {
            status: 422,
            reason: "unsupported transfer coding",
        }),
        Declared::Chunked { .. } => Ok(BodyFraming::Chunked),
        Declared::Length(0) | Declared::Nothing => Ok(BodyFraming::Empty),
        Declared::Length(n) => Ok(BodyFraming::Length(n)),
    }
}

/// The framing of a response body, given whether the request was a HEAD.
pub fn response_framing(
    head: &mut ResponseHead,
    request_is_head: bool,
) -> Result<BodyFraming, FramingError> {
    let declared = declared(&mut head.headers, 502)?;
    if request_is_head || head.status < 200 || head.status == 204 || head.status == 304 {
        return Ok(BodyFraming::Empty);
    }
    Ok(match declared {
        Declared::Chunked { .. } => BodyFraming::Chunked,
        Declared::Length(0) => BodyFraming::Empty,
        Declared::Length(n) => BodyFraming::Length(n),
        Declared::Nothing => BodyFraming::UntilClose,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum BodyEvent {
    /// Body bytes, split off the read buffer.
    Data(Bytes),
    /// The end of the body, with the trailers of a chunked body (empty otherwise).
    End { trailers: HeaderList },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Not a hex size, or one of more than 13 hex digits' worth (haproxy's 2^52 bound).
    BadChunkSize,
    /// The chunk-size line (with its extensions) does not fit in the buffer.
    ChunkLineTooLong,
    /// The CRLF after a chunk's data is missing.
    MissingChunkEnd,
    /// The trailers do not parse or do not fit.
    BadTrailers,
    /// The peer closed before the end of a length-delimited or chunked body.
    Truncated,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BodyError::BadChunkSize => "invalid chunk size",
            BodyError::ChunkLineTooLong => "chunk size line too long",
            BodyError::MissingChunkEnd => "missing CRLF after chunk data",
            BodyError::BadTrailers => "invalid trailers",
            BodyError::Truncated => "body truncated by the peer closing",
        })
    }
}

impl std::error::Error for BodyError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Length(u64),
    UntilClose,
    ChunkSize,
    ChunkData(u64),
    ChunkDataEnd,
    Trailers,
    /// `End` is due (a body with nothing left to read).
    Ending,
    Done,
}

/// Incremental body decoder. Call `decode` after each read until it returns `Ok(None)`
/// (it wants more bytes, or the body is done: see `is_done`); call `eof` when the peer closes.
#[derive(Clone, Debug)]
pub struct BodyDecoder {
    state: State,
    limits: Limits,
}

/// haproxy refuses chunk sizes of 2^52 and more.
const MAX_CHUNK_SIZE: u64 = (1 << 52) - 1;

impl BodyDecoder {
    pub fn new(framing: BodyFraming, limits: Limits) -> BodyDecoder {
        let state = match framing {
            BodyFraming::Empty | BodyFraming::Length(0) => State::Ending,
            BodyFraming::Length(n) => State::Length(n),
            BodyFraming::Chunked => State::ChunkSize,
            BodyFraming::UntilClose => State::UntilClose,
        };
        BodyDecoder { state, limits }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The next event from the front of `buf`, or `None` if more bytes are needed (or the
    /// body is done). Bytes after the body stay in `buf`.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, BodyError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Ending => {
                    self.state = State::Done;
                    return Ok(Some(BodyEvent::End {
                        trailers: HeaderList::new(),
                    }));
                }
                State::UntilClose => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    return Ok(Some(BodyEvent::Data(buf.split().freeze())));
                }
                State::Length(remaining) | State::ChunkData(remaining) => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    let left = remaining - n as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Ending,
                        (State::Length(_), _) => State::Length(left),
                        (_, 0) => State::ChunkDataEnd,
                        _ => State::ChunkData(left),
                    };
                    return Ok(Some(BodyEvent::Data(buf.split_to(n).freeze())));
                }
                State::ChunkDataEnd => match &buf[..] {
                    [] | [b'\r'] => return Ok(None),
                    [b'\r', b'\n', ..] => {
                        let _ = buf.split_to(2);
                        self.state = State::ChunkSize;
                    }
                    [b'\n', ..] => {
                        let _ = buf.split_to(1);
                        self.state = State::ChunkSize;
                    }
                    _ => return Err(BodyError::MissingChunkEnd),
                },
                State::ChunkSize => {
                    let Some(nl) = memchr::memchr(b'\n', buf) else {
                        // Fail early on a line that cannot become valid.
                        chunk_size(buf, false)?;
                        if buf.len() > self.limits.max_raw_head() {
                            return Err(BodyError::ChunkLineTooLong);
                        }
                        return Ok(None);
                    };
                    let size = chunk_size(&buf[..nl], true)?;
                    let _ = buf.split_to(nl + 1);
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::ChunkData(size)
                    };
                }
                State::Trailers => return self.trailers(buf),
            }
        }
    }

    fn trailers(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, BodyError> {
        let (end, has_lines) = match &buf[..] {
            [] | [b'\r'] => return Ok(None),
            [b'\r', b'\n', ..] => (2, false),
            [b'\n', ..] => (1, false),
            _ => {
                let Some(end) = super::parse::find_head_end(buf, 0) else {
                    if buf.len() > self.limits.max_raw_head() {
                        return Err(BodyError::BadTrailers);
                    }
                    return Ok(None);
                };
                if end > self.limits.max_raw_head() {
                    return Err(BodyError::BadTrailers);
                }
                (end, true)
            }
        };
        let mut trailers = HeaderList::new();
        if has_lines {
            let lines =
                super::parse::split_lines(buf, 0, end).map_err(|_| BodyError::BadTrailers)?;
            let ranges = parse_header_lines(&mut buf[..], &lines, self.limits.max_header_count())
                .map_err(|_| BodyError::BadTrailers)?;
            let frozen = buf.split_to(end).freeze();
            for (n, v) in ranges {
                trailers.push_lowercase(frozen.slice(n), frozen.slice(v));
            }
        } else {
            let _ = buf.split_to(end);
        }
        self.state = State::Done;
        Ok(Some(BodyEvent::End { trailers }))
    }

    /// The peer closed its side: the end of an until-close body, an error for a body that
    /// was not complete.
    pub fn eof(&mut self) -> Result<Option<BodyEvent>, BodyError> {
        match self.state {
            State::Done => Ok(None),
            State::UntilClose | State::Ending => {
                self.state = State::Done;
                Ok(Some(BodyEvent::End {
                    trailers: HeaderList::new(),
                }))
            }
            _ => Err(BodyError::Truncated),
        }
    }
}

/// Parses a chunk-size line without its LF: hex digits, blanks, `;extensions`, CR.
/// With `complete` false the line may still be growing: only what is there is checked.
fn chunk_size(line: &[u8], complete: bool) -> Result<u64, BodyError> {
    let line = if complete {
        line.strip_suffix(b"\r").unwrap_or(line)
    } else {
        line
    };
    let mut size: u64 = 0;
    let mut i = 0;
    while let Some(d) = line.get(i).and_then(|&b| (b as char).to_digit(16)) {
        size = (size << 4) | u64::from(d);
        if size > MAX_CHUNK_SIZE {
            return Err(BodyError::BadChunkSize);
        }
        i += 1;
    }
    if i == 0 && (complete || !line.is_empty()) {
        return Err(BodyError::BadChunkSize);
    }
    while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
        i += 1;
    }
    match line.get(i) {
        None => Ok(size),
        Some(b';') => {
            // Extensions are skipped, but a CR may only end the line.
            let ext = &line[i..];
            match memchr::memchr(b'\r', ext) {
                Some(cr) if complete || cr + 1 < ext.len() => Err(BodyError::BadChunkSize),
                _ => Ok(size),
            }
        }
        Some(b'\r') if !complete && i + 1 == line.len() => Ok(size),
        _ => Err(BodyError::BadChunkSize),
    }
}

/// Writes a chunk-size line (`<HEX>\r\n`, uppercase without padding, as haproxy writes
/// them). The caller then writes the data and `CHUNK_END`; a zero length would end the body:
/// use `write_last_chunk` for that.
pub fn write_chunk_size(len: usize, out: &mut BytesMut) {
    let mut digits = [0u8; 16];
    let mut n = len;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b"0123456789ABCDEF"[n & 0xf];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&digits[i..]);
    out.put_slice(b"\r\n");
}

/// What follows a chunk's data.
pub const CHUNK_END: &[u8] = b"\r\n";

/// Writes one whole chunk (copying `data`); nothing for empty data, which must not end the
/// body by accident.
pub fn write_chunk(data: &[u8], out: &mut BytesMut) {
    if data.is_empty() {
        return;
    }
    out.reserve(data.len() + 20);
    write_chunk_size(data.len(), out);
    out.put_slice(data);
    out.put_slice(CHUNK_END);
}

/// Writes the last chunk, the trailers (names lowercase like every header haproxy writes)
/// and the final CRLF.
pub fn write_last_chunk(trailers: &HeaderList, out: &mut BytesMut) {
    out.put_slice(b"0\r\n");
    super::write::write_headers(trailers, out);
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::{Parsed, parse_request, parse_response};

    fn request(bytes: &[u8]) -> RequestHead {
        match parse_request(&mut BytesMut::from(bytes), &Limits::default()) {
            Ok(Parsed::Complete { head, .. }) => head,
            other => panic!("{other:?}"),
        }
    }

    fn req_framing(headers: &str) -> Result<(BodyFraming, RequestHead), u16> {
        let mut head = request(format!("POST / HTTP/1.1\r\n{headers}\r\n").as_bytes());
        request_framing(&mut head)
            .map(|f| (f, head))
            .map_err(|e| e.status)
    }

    /// Each case was sent to haproxy 2.6; its status (or forwarded headers) is the expectation.
    #[test]
    fn request_framing_like_haproxy() {
        let ok = |h: &str| req_framing(h).unwrap().0;
        assert_eq!(ok(""), BodyFraming::Empty);
        assert_eq!(ok("Content-Length: 3\r\n"), BodyFraming::Length(3));
        assert_eq!(ok("Content-Length: 003\r\n"), BodyFraming::Length(3));
        assert_eq!(ok("Content-Length: 0\r\n"), BodyFraming::Empty);
        assert_eq!(ok("Transfer-Encoding: CHUNKED\r\n"), BodyFraming::Chunked);
        let (f, head) = req_framing("Content-Length: 3\r\nContent-Length: 3\r\n").unwrap();
        assert_eq!(f, BodyFraming::Length(3));
        assert_eq!(head.headers.get_all(b"content-length").count(), 1);
        let (_, head) = req_framing("Content-Length: 3, 3\r\n").unwrap();
        assert_eq!(head.headers.get(b"content-length").unwrap(), "3");
        let (f, head) = req_framing("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n").unwrap();
        assert_eq!(f, BodyFraming::Chunked);
        assert!(!head.headers.contains(b"content-length"));
        let mut h10 = request(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(request_framing(&mut h10), Ok(BodyFraming::Chunked));
        for (h, status) in [
            ("Content-Length: 3\r\nContent-Length: 4\r\n", 400),
            ("Content-Length: -3\r\n", 400),
            ("Content-Length: +3\r\n", 400),
            ("Content-Length: \r\n", 400),
            ("Content-Length: 0x3\r\n", 400),
            ("Content-Length: 99999999999999999999999\r\n", 400),
            ("Transfer-Encoding: gzip\r\n", 400),
            ("Transfer-Encoding: identity\r\n", 400),
            ("Transfer-Encoding: chunked, gzip\r\n", 400),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                400,
            ),
            ("Transfer-Encoding: gzip, chunked\r\n", 422),
        ] {
            assert_eq!(req_framing(h).map(|r| r.0), Err(status), "{h}");
        }
    }

    #[test]
    fn response_framing_rules() {
        let framing = |s: &str, head_req: bool| {
            let mut buf = BytesMut::from(s.as_bytes());
            let Ok(Parsed::Complete { mut head, .. }) =
                parse_response(&mut buf, &Limits::default())
            else {
                panic!()
            };
            response_framing(&mut head, head_req).map_err(|e| e.status)
        };
        use BodyFraming::*;
        assert_eq!(framing("HTTP/1.1 200 OK\r\n\r\n", false), Ok(UntilClose));
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", false),
            Ok(Length(2))
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", true),
            Ok(Empty)
        );
        assert_eq!(framing("HTTP/1.1 204 No\r\n\r\n", false), Ok(Empty));
        assert_eq!(framing("HTTP/1.1 304 No\r\n\r\n", false), Ok(Empty));
        assert_eq!(framing("HTTP/1.1 100 Continue\r\n\r\n", false), Ok(Empty));
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                false
            ),
            Ok(Chunked)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false),
            Err(502)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
                false
            ),
            Err(502)
        );
    }

    /// Body bytes, trailers, and what was left in the buffer.
    type Decoded = (Vec<u8>, Vec<(String, String)>, Vec<u8>);

    /// Feeds `input` in pieces of `step` bytes and collects (data, trailers, rest of buffer).
    fn run(input: &[u8], framing: BodyFraming, step: usize) -> Result<Decoded, BodyError> {
        let mut dec = BodyDecoder::new(framing, Limits::default());
        let mut buf = BytesMut::new();
        let mut data = Vec::new();
        let mut trailers = Vec::new();
        let mut fed = 0;
        loop {
            while let Some(ev) = dec.decode(&mut buf)? {
                match ev {
                    BodyEvent::Data(d) => {
                        assert!(!d.is_empty());
                        data.extend_from_slice(&d)
                    }
                    BodyEvent::End { trailers: t } => {
                        trailers = t
                            .iter()
                            .map(|h| {
                                (
                                    String::from_utf8_lossy(&h.name).into_owned(),
                                    String::from_utf8_lossy(&h.value).into_owned(),
                                )
                            })
                            .collect()
                    }
                }
            }
            if dec.is_done() {
                return Ok((data, trailers, buf.to_vec()));
            }
            if fed == input.len() {
                if let Some(BodyEvent::End { .. }) = dec.eof()? {
                    return Ok((data, trailers, buf.to_vec()));
                }
                unreachable!();
            }
            let n = step.min(input.len() - fed);
            buf.extend_from_slice(&input[fed..fed + n]);
            fed += n;
        }
    }

    #[test]
    fn chunked_every_split() {
        let input: &[u8] =
            b"3;x=y\r\nabc\r\nA \r\n0123456789\r\n00001\n!\n0;z\r\nT: 1\r\nX-T:  2 \r\n\r\nNEXT";
        for step in 1..input.len() {
            let (data, trailers, rest) = run(input, BodyFraming::Chunked, step).unwrap();
            assert_eq!(data, b"abc0123456789!");
            assert_eq!(
                trailers,
                [("t".into(), "1".into()), ("x-t".into(), "2".into())]
            );
            assert!(b"NEXT".starts_with(&rest), "{step}");
        }
        let (data, trailers, rest) = run(b"0\r\n\r\nGET", BodyFraming::Chunked, 100).unwrap();
        assert!(data.is_empty() && trailers.is_empty());
        assert_eq!(rest, b"GET");
    }

    #[test]
    fn chunked_errors() {
        for (input, err) in [
            (&b"x\r\nabc\r\n0\r\n\r\n"[..], BodyError::BadChunkSize),
            (b"\r\n", BodyError::BadChunkSize),
            (b"3x\r\nabc\r\n", BodyError::BadChunkSize),
            (b"3;a\rb\r\nabc\r\n", BodyError::BadChunkSize),
            (b"10000000000000\r\n", BodyError::BadChunkSize),
            (b"10000000000000000\r\n", BodyError::BadChunkSize),
            (b"3\r\nabcX\r\n0\r\n\r\n", BodyError::MissingChunkEnd),
            (b"0\r\nBad Trailer: 1\r\n\r\n", BodyError::BadTrailers),
            (b"3\r\nab", BodyError::Truncated),
        ] {
            for step in [1, 3, 1000] {
                assert_eq!(
                    run(input, BodyFraming::Chunked, step).map(|_| ()),
                    Err(err),
                    "{input:?}"
                );
            }
        }
        // The largest chunk size haproxy accepts: 13 hex digits.
        let mut dec = BodyDecoder::new(BodyFraming::Chunked, Limits::default());
        let mut buf = BytesMut::from(&b"000FFFFFFFFFFFFF\r\nab"[..]);
        assert_eq!(
            dec.decode(&mut buf),
            Ok(Some(BodyEvent::Data(Bytes::from_static(b"ab"))))
        );
        let mut dec = BodyDecoder::new(BodyFraming::Chunked, Limits::default());
        let mut buf = BytesMut::from(vec![b'1'; 20000].as_slice());
        assert_eq!(dec.decode(&mut buf), Err(BodyError::BadChunkSize));
        let mut buf = BytesMut::from(&b"1;"[..]);
        buf.extend_from_slice(&vec![b'e'; 17000]);
        let mut dec = BodyDecoder::new(BodyFraming::Chunked, Limits::default());
        assert_eq!(dec.decode(&mut buf), Err(BodyError::ChunkLineTooLong));
    }

    #[test]
    fn length_and_until_close() {
        for step in 1..8 {
            let (data, _, rest) = run(b"abcdefGET", BodyFraming::Length(6), step).unwrap();
            assert_eq!(data, b"abcdef");
            assert!(b"GET".starts_with(&rest));
        }
        let (data, _, rest) = run(b"GET", BodyFraming::Empty, 1).unwrap();
        assert!(data.is_empty());
        assert!(rest.is_empty());
        let (data, _, _) = run(b"all of it", BodyFraming::UntilClose, 4).unwrap();
        assert_eq!(data, b"all of it");
        assert_eq!(
            run(b"abc", BodyFraming::Length(6), 2).map(|_| ()),
            Err(BodyError::Truncated)
        );
    }

    #[test]
    fn zero_copy_data() {
        let mut buf = BytesMut::from(&b"5\r\nhello\r\n"[..]);
        let p = buf.as_ptr() as usize;
        let mut dec = BodyDecoder::new(BodyFraming::Chunked, Limits::default());
        let Ok(Some(BodyEvent::Data(d))) = dec.decode(&mut buf) else {
            panic!()
        };
        assert_eq!(d.as_ptr() as usize, p + 3);
    }

    #[test]
    fn encoder() {
        let mut out = BytesMut::new();
        write_chunk(b"", &mut out);
        write_chunk(b"0123456789", &mut out);
        write_chunk_size(0x1a2b, &mut out);
        let mut t = HeaderList::new();
        t.add("X-Sum", "1");
        write_last_chunk(&HeaderList::new(), &mut out);
        write_last_chunk(&t, &mut out);
        assert_eq!(
            &out[..],
            b"A\r\n0123456789\r\n1A2B\r\n0\r\n\r\n0\r\nx-sum: 1\r\n\r\n"
        );
        // What the encoder writes, the decoder reads back.
        let mut enc = BytesMut::new();
        write_chunk(b"hello ", &mut enc);
        write_chunk(&[b'w'; 300], &mut enc);
        write_last_chunk(&t, &mut enc);
        let (data, trailers, _) = run(&enc, BodyFraming::Chunked, 7).unwrap();
        assert_eq!(data.len(), 306);
        assert_eq!(trailers, [("x-sum".into(), "1".into())]);
    }

    #[test]
    fn decoder_never_panics() {
        let alphabet = b"0123456789abcdefABCDEFxyz;= \t\r\n:";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let len = (state % 40) as usize;
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                v.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let _ = run(&v, BodyFraming::Chunked, 1 + (state % 5) as usize);
        }
    }
}
