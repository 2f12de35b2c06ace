//! The client side of a scenario: a raw connection that sends exact bytes and reads an HTTP/1.1
//! response exactly as it came (status line, header names in their case and order, the body
//! after content-length, chunked or close framing), or raw TCP bytes. Every read has a deadline
//! so a broken engine fails the step instead of hanging the runner.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long one response may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response the client reads (a bound: a looping engine cannot exhaust memory).
const MAX_RESPONSE: usize = 8 << 20;

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The response as text, for failure messages.
    pub fn render(&self) -> String {
        let mut s = format!("{}\n", self.status_line);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&show(&self.body));
        s
    }
}

/// Bytes as readable text: printable ASCII kept, the rest in the format's escapes.
pub fn show(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The peer closed its side (nothing more will come).
    eof: bool,
}

impl Conn {
    pub fn connect(port: u16) -> Result<Conn, String> {
        let stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), TIMEOUT)
            .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
        stream.set_nodelay(true).ok();
        Ok(Conn {
            stream,
            buf: Vec::new(),
            eof: false,
        })
    }

    pub fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .map_err(|e| format!("send: {e}"))
    }

    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    /// Reads more bytes; Ok(0) at the end of the stream.
    fn fill(&mut self, deadline: Instant) -> Result<usize, String> {
        if self.eof {
            return Ok(0);
        }
        if self.buf.len() > MAX_RESPONSE {
            return Err(format!("more than {MAX_RESPONSE} bytes"));
        }
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or("timed out waiting for the engine")?;
        self.stream.set_read_timeout(Some(left)).ok();
        let mut chunk = [0u8; 16384];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.eof = n == 0;
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err("timed out waiting for the engine".into());
                }
                // A reset after the engine answered and closed counts as the end of the stream.
                Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                    self.eof = true;
                    return Ok(0);
                }
                Err(e) => return Err(format!("read: {e}")),
            }
        }
    }

    /// Whether the engine closes without sending a byte (within the timeout).
    pub fn closed(&mut self) -> Result<bool, String> {
        let deadline = Instant::now() + TIMEOUT;
        while self.buf.is_empty() {
            if self.fill(deadline)? == 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Reads until `want` bytes arrived or the engine closed, then takes at most `want` of them
    /// (more bytes than that fail the comparison through what the next read shows).
    pub fn read_bytes(&mut self, want: usize, to_close: bool) -> Result<Vec<u8>, String> {
        let deadline = Instant::now() + TIMEOUT;
        while (to_close || self.buf.len() < want) && self.fill(deadline)? != 0 {}
        if !to_close && self.buf.len() >= want {
            // Give an engine that sends too much a moment to show it.
            let short = Instant::now() + Duration::from_millis(50);
            let _ = self.fill(short);
        }
        Ok(std::mem::take(&mut self.buf))
    }

    /// The bytes already received and not consumed (pending output of the engine).
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Reads one response; `head`: it answers a HEAD request (no body).
    pub fn read_response(&mut self, head: bool) -> Result<Response, String> {
        let deadline = Instant::now() + TIMEOUT;
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.fill(deadline)? == 0 {
                return Err(format!(
                    "connection closed before a complete response head; got {:?}",
                    show(&self.buf)
                ));
            }
        };
        let head_bytes: Vec<u8> = self.buf.drain(..end + 4).collect();
        let text = String::from_utf8_lossy(&head_bytes[..end]).into_owned();
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut headers = Vec::new();
        for l in lines {
            let (n, v) = l
                .split_once(':')
                .ok_or_else(|| format!("bad header line {l:?}"))?;
            headers.push((n.to_string(), v.trim().to_string()));
        }
        let mut r = Response {
            status_line,
            headers,
            body: Vec::new(),
        };
        if head || status < 200 || status == 204 || status == 304 {
            return Ok(r);
        }
        let get = |name: &str| {
            r.headers
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.to_ascii_lowercase())
        };
        if get("transfer-encoding").is_some_and(|v| v.trim_end().ends_with("chunked")) {
            r.body = self.read_chunked(deadline)?;
        } else if let Some(cl) = get("content-length") {
            let n: usize = cl
                .trim()
                .parse()
                .map_err(|_| format!("bad content-length {cl:?}"))?;
            if n > MAX_RESPONSE {
                return Err(format!("content-length {n} over the runner's bound"));
            }
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

    fn read_chunked(&mut self, deadline: Instant) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let line = self.line(deadline)?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| format!("bad chunk size line {line:?}"))?;
            if size == 0 {
                // Trailers (ignored) until the empty line.
                while !self.line(deadline)?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > MAX_RESPONSE {
                return Err("chunked body over the runner's bound".into());
            }
            while self.buf.len() < size + 2 {
                if self.fill(deadline)? == 0 {
                    return Err("closed inside a chunk".into());
                }
            }
            body.extend(self.buf.drain(..size));
            if self.buf.drain(..2).as_slice() != b"\r\n" {
                return Err("chunk not followed by CRLF".into());
            }
        }
    }
}
