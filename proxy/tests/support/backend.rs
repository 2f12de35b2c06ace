//! A tiny HTTP/1.1 origin server on std threads, for forwarding tests: it records every request
//! exactly as received (request line, header lines in order and case, decoded body, which
//! connection it came on) and answers what the test's handler says (by default an echo).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client::find;
use super::ports;

#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub uri: String,
    pub version: String,
    /// The header lines as received (names in their case, in order).
    pub headers: Vec<(String, String)>,
    /// The request head as received, CRLFs included.
    pub head: String,
    /// The body after transfer decoding.
    pub body: Vec<u8>,
    pub chunked: bool,
    /// Which accepted connection (1, 2, ...) carried it: shows connection reuse.
    pub conn: usize,
    /// Its rank on that connection (1, 2, ...).
    pub rank: usize,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the backend does with a request.
pub enum Reply {
    /// Send these bytes and keep reading the connection.
    Send(Vec<u8>),
    /// Send these bytes and close.
    SendClose(Vec<u8>),
    /// Send these bytes, wait, send the rest (a slow server).
    Slow(Vec<u8>, Duration, Vec<u8>),
    /// Answer nothing for that long, then close (a server that times out).
    Hang(Duration),
    /// Close at once without answering.
    Close,
}

pub type Handler = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

struct Shared {
    stop: AtomicBool,
    received: Mutex<Vec<Received>>,
    connections: AtomicUsize,
}

pub struct Backend {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Backend {
    /// A backend answering every request with `echo_reply`.
    pub fn echo() -> Backend {
        Backend::start(Arc::new(|r: &Received| Reply::Send(echo_reply(r))))
    }

    /// A backend answering with `handler`.
    pub fn with(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Backend {
        Backend::start(Arc::new(handler))
    }

    pub fn start(handler: Handler) -> Backend {
        let listener = ports::listener();
        let port = listener.local_addr().expect("bound").port();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let s = shared.clone();
        std::thread::spawn(move || accept_loop(listener, s, handler));
        Backend { port, shared }
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// `200 OK` whose body is the request head as received followed by its body, with headers
/// `x-conn` and `x-rank` telling which connection and which request on it.
pub fn echo_reply(r: &Received) -> Vec<u8> {
    let mut body = r.head.clone().into_bytes();
    body.extend_from_slice(&r.body);
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-conn: {}\r\nx-rank: {}\r\ncontent-length: {}\r\n\r\n",
        r.conn,
        r.rank,
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, handler: Handler) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = conn else { continue };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let (s, h) = (shared.clone(), handler.clone());
        std::thread::spawn(move || serve(stream, id, s, h));
    }
}

fn serve(mut stream: TcpStream, conn: usize, shared: Arc<Shared>, handler: Handler) {
    // An idle connection ends on its own so no thread outlives the test binary for long.
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut buf = Vec::new();
    let mut rank = 0;
    while let Some(mut req) = read_request(&mut stream, &mut buf) {
        rank += 1;
        req.conn = conn;
        req.rank = rank;
        let reply = handler(&req);
        shared.received.lock().unwrap().push(req);
        let done = match reply {
            Reply::Send(b) => stream.write_all(&b).is_err(),
            Reply::SendClose(b) => {
                let _ = stream.write_all(&b);
                true
            }
            Reply::Slow(a, wait, b) => {
                let _ = stream.write_all(&a);
                std::thread::sleep(wait);
                stream.write_all(&b).is_err()
            }
            Reply::Hang(d) => {
                let end = Instant::now() + d;
                while Instant::now() < end && !shared.stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                true
            }
            Reply::Close => true,
        };
        if done || shared.stop.load(Ordering::SeqCst) {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16384];
    match stream.read(&mut chunk) {
        Ok(0) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
        Err(e) if e.kind() == ErrorKind::Interrupted => true,
        Err(_) => false,
    }
}

/// One request off the connection (None at end of stream or on garbage).
fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Received> {
    let end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        if !fill(stream, buf) {
            return None;
        }
    };
    let head_bytes: Vec<u8> = buf.drain(..end + 4).collect();
    let head = String::from_utf8_lossy(&head_bytes).into_owned();
    let mut lines = head[..end].split("\r\n");
    let mut first = lines.next()?.splitn(3, ' ');
    let (method, uri, version) = (first.next()?, first.next()?, first.next()?);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut body = Vec::new();
    let chunked = get("transfer-encoding").is_some_and(|v| v.ends_with("chunked"));
    if chunked {
        loop {
            let line = loop {
                if let Some(i) = find(buf, b"\r\n") {
                    let l: Vec<u8> = buf.drain(..i + 2).collect();
                    break String::from_utf8_lossy(&l[..i]).into_owned();
                }
                if !fill(stream, buf) {
                    return None;
                }
            };
            let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
            if size == 0 {
                // Trailers until the empty line.
                loop {
                    if let Some(i) = find(buf, b"\r\n") {
                        let l: Vec<u8> = buf.drain(..i + 2).collect();
                        if i == 0 || l.is_empty() {
                            break;
                        }
                        continue;
                    }
                    if !fill(stream, buf) {
                        return None;
                    }
                }
                break;
            }
            while buf.len() < size + 2 {
                if !fill(stream, buf) {
                    return None;
                }
            }
            body.extend(buf.drain(..size));
            buf.drain(..2);
        }
    } else if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while buf.len() < n {
            if !fill(stream, buf) {
                return None;
            }
        }
        body = buf.drain(..n).collect();
    }
    Some(Received {
        method: method.to_string(),
        uri: uri.to_string(),
        version: version.to_string(),
        headers,
        head,
        body,
        chunked,
        conn: 0,
        rank: 0,
    })
}

/// A raw TCP server echoing every byte back, closing its side when the client closes its own
/// (so half-close is visible); for TCP-mode tests. Its thread ends with the test binary.
pub fn tcp_echo() -> u16 {
    let l = ports::listener();
    let port = l.local_addr().expect("bound").port();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut s) = conn else { continue };
            std::thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(30))).ok();
                let mut buf = [0u8; 16384];
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = s.shutdown(Shutdown::Both);
            });
        }
    });
    port
}
