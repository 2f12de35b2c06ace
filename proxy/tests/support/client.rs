//! A raw HTTP/1.1 client: the test sends exact bytes and gets the response exactly as it came
//! (status line, header names in their case and order, body after content-length, chunked or
//! close framing). Every read has a deadline so a broken server fails the test instead of
//! hanging it.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long one response may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `HTTP/1.1 200 OK`, without the CRLF.
    pub status_line: String,
    pub status: u16,
    /// Every header line as sent: name (original case), value (surrounding blanks trimmed).
    pub headers: Vec<(String, String)>,
    /// The body after transfer decoding.
    pub body: Vec<u8>,
    /// Whether the body came chunked.
    pub chunked: bool,
    /// The trailer lines of a chunked body.
    pub trailers: Vec<(String, String)>,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of that header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The header names in order, as sent.
    pub fn names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct Client {
    stream: TcpStream,
    /// Bytes read past the end of the last response (pipelining).
    buf: Vec<u8>,
    timeout: Duration,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
        stream.set_nodelay(true).ok();
        Client {
            stream,
            buf: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn with_timeout(mut self, t: Duration) -> Client {
        self.timeout = t;
        self
    }

    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream
            .write_all(bytes.as_ref())
            .unwrap_or_else(|e| panic!("send: {e}"));
    }

    /// A second handle on the socket, to write from another thread while this one reads.
    pub fn writer(&self) -> TcpStream {
        self.stream.try_clone().expect("clone the socket")
    }

    /// Half-closes the sending side (the server sees end of input).
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    /// Sends one request and reads its response (a HEAD request's has no body).
    pub fn request(&mut self, raw: impl AsRef<[u8]>) -> Response {
        let raw = raw.as_ref();
        self.send(raw);
        let head = raw.starts_with(b"HEAD ");
        self.read_response(head)
    }

    /// Reads the next response; `head`: it answers a HEAD request (no body).
    pub fn read_response(&mut self, head: bool) -> Response {
        self.try_read_response(head)
            .unwrap_or_else(|e| panic!("reading a response: {e}"))
    }

    /// Sends `raw` and reads the response, errors as values.
    pub fn try_read_response_after(&mut self, raw: &str, head: bool) -> Result<Response, String> {
        self.stream
            .write_all(raw.as_bytes())
            .map_err(|e| format!("send: {e}"))?;
        self.try_read_response(head)
    }

    pub fn try_read_response(&mut self, head: bool) -> Result<Response, String> {
        let deadline = Instant::now() + self.timeout;
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.fill(deadline)? == 0 {
                return Err(format!(
                    "connection closed before a complete head; got {:?}",
                    String::from_utf8_lossy(&self.buf)
                ));
            }
        };
        let head_bytes: Vec<u8> = self.buf.drain(..end + 4).collect();
        let text = String::from_utf8_lossy(&head_bytes[..end]).into_owned();
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let headers = lines.map(split_header).collect::<Result<Vec<_>, _>>()?;
        let mut r = Response {
            status_line,
            status,
            headers,
            body: Vec::new(),
            chunked: false,
            trailers: Vec::new(),
        };
        if head || status < 200 || status == 204 || status == 304 {
            return Ok(r);
        }
        let te_chunked = r
            .all("transfer-encoding")
            .last()
            .is_some_and(|v| v.to_ascii_lowercase().trim_end().ends_with("chunked"));
        if te_chunked {
            r.chunked = true;
            self.read_chunked(&mut r, deadline)?;
        } else if let Some(cl) = r.header("content-length") {
            let n: usize = cl
                .trim()
                .parse()
                .map_err(|_| format!("bad content-length {cl:?}"))?;
            while self.buf.len() < n {
                if self.fill(deadline)? == 0 {
                    return Err(format!("closed after {} of {n} body bytes", self.buf.len()));
                }
            }
            r.body = self.buf.drain(..n).collect();
        } else {
            while self.fill(deadline)? != 0 {}
            r.body = std::mem::take(&mut self.buf);
        }
        Ok(r)
    }

    fn read_chunked(&mut self, r: &mut Response, deadline: Instant) -> Result<(), String> {
        loop {
            let line = self.line(deadline)?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| format!("bad chunk size line {line:?}"))?;
            if size == 0 {
                loop {
                    let t = self.line(deadline)?;
                    if t.is_empty() {
                        return Ok(());
                    }
                    r.trailers.push(split_header(&t)?);
                }
            }
            while self.buf.len() < size + 2 {
                if self.fill(deadline)? == 0 {
                    return Err("closed inside a chunk".into());
                }
            }
            r.body.extend(self.buf.drain(..size));
            if self.buf.drain(..2).as_slice() != b"\r\n" {
                return Err("chunk not followed by CRLF".into());
            }
        }
    }

    fn line(&mut self, deadline: Instant) -> Result<String, String> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let l: Vec<u8> = self.buf.drain(..i + 2).collect();
                return Ok(String::from_utf8_lossy(&l[..i]).into_owned());
            }
            if self.fill(deadline)? == 0 {
                return Err("closed inside chunked framing".into());
            }
        }
    }

    /// Reads some bytes into the buffer; 0 at end of stream.
    fn fill(&mut self, deadline: Instant) -> Result<usize, String> {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or("timed out waiting for the server")?;
        self.stream.set_read_timeout(Some(left)).ok();
        let mut chunk = [0u8; 16384];
        match self.stream.read(&mut chunk) {
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Err("timed out waiting for the server".into())
            }
            // A reset after the server answered and closed counts as the end of the stream.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(0),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Everything the server sends until it closes (within the timeout).
    pub fn read_to_close(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + self.timeout;
        while self.fill(deadline).unwrap_or_else(|e| panic!("{e}")) != 0 {}
        std::mem::take(&mut self.buf)
    }

    /// Whether the server closes the connection within `wait` without sending anything more.
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        matches!(self.fill(deadline), Ok(0)) && self.buf.is_empty()
    }
}

fn split_header(line: &str) -> Result<(String, String), String> {
    let (n, v) = line
        .split_once(':')
        .ok_or_else(|| format!("bad header line {line:?}"))?;
    Ok((n.to_string(), v.trim().to_string()))
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `GET <path> HTTP/1.1` with a Host header and nothing else.
pub fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}
