//! The origin servers a scenario's configuration can point at: `${BE}`, an HTTP/1.1 echo
//! (answers `200 OK` whose body is the request head exactly as received followed by its body;
//! closes after an HTTP/1.0 request or `connection: close`),
//! and `${ECHO}`, a raw TCP echo (every byte back; closes when the client closes). Both run on
//! std threads and stop when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::ports;
use super::wire::find;

/// Idle connections end on their own so no thread outlives a case for long.
const IDLE: Duration = Duration::from_secs(10);

/// The largest request body the echo reads (a bound, not a protocol limit).
const MAX_BODY: usize = 1 << 20;

pub struct Origin {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Origin {
    /// The HTTP echo origin.
    pub fn http() -> Result<Origin, String> {
        Origin::start(serve_http)
    }

    /// The TCP echo origin.
    pub fn tcp() -> Result<Origin, String> {
        Origin::start(serve_tcp)
    }

    fn start(serve: fn(TcpStream)) -> Result<Origin, String> {
        let listener = ports::listener()?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || accept(listener, s, serve));
        Ok(Origin { port, stop })
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn accept(listener: TcpListener, stop: Arc<AtomicBool>, serve: fn(TcpStream)) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(s) = conn {
            s.set_read_timeout(Some(IDLE)).ok();
            std::thread::spawn(move || serve(s));
        }
    }
}

fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16384];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return false,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return true;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
}

fn line(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(i) = find(buf, b"\r\n") {
            let l: Vec<u8> = buf.drain(..i + 2).collect();
            return Some(l[..i].to_vec());
        }
        if !fill(stream, buf) {
            return None;
        }
    }
}

/// One request (head as received, decoded body, whether the connection closes after it) off
/// the connection; None at its end.
fn request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(Vec<u8>, Vec<u8>, bool)> {
    let end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        if !fill(stream, buf) {
            return None;
        }
    };
    let head: Vec<u8> = buf.drain(..end + 4).collect();
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let header = |name: &str| {
        text.split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim().to_string())
            .last()
    };
    // HTTP/1.0 closes unless it asks for keep-alive; HTTP/1.1 keeps unless it asks to close.
    let connection = header("connection").unwrap_or_default();
    let http10 = text
        .split("\r\n")
        .next()
        .is_some_and(|l| l.ends_with("http/1.0"));
    let close = connection.contains("close") || (http10 && !connection.contains("keep-alive"));
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        loop {
            let size_line = String::from_utf8_lossy(&line(stream, buf)?).into_owned();
            let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
            if size == 0 {
                while !line(stream, buf)?.is_empty() {}
                break;
            }
            if body.len() + size > MAX_BODY {
                return None;
            }
            while buf.len() < size + 2 {
                if !fill(stream, buf) {
                    return None;
                }
            }
            body.extend(buf.drain(..size));
            buf.drain(..2);
        }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if n > MAX_BODY {
            return None;
        }
        while buf.len() < n {
            if !fill(stream, buf) {
                return None;
            }
        }
        body = buf.drain(..n).collect();
    }
    Some((head, body, close))
}

fn serve_http(mut stream: TcpStream) {
    let mut buf = Vec::new();
    while let Some((head, body, close)) = request(&mut stream, &mut buf) {
        let mut out = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
            head.len() + body.len()
        )
        .into_bytes();
        out.extend(head);
        out.extend(body);
        if stream.write_all(&out).is_err() || close {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn serve_tcp(mut stream: TcpStream) {
    let mut chunk = [0u8; 16384];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if stream.write_all(&chunk[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}
