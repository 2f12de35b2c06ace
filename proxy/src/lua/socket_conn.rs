//! The connection behind a Lua `Socket` and its operations as tokio futures, with LuaSocket's
//! semantics: `receive` patterns (`*l` drops every CR and the LF, `*a` reads to the end, a
//! count reads exactly that many bytes), results or `(error, partial data)`, `send` counting
//! what went out, one timeout bounding each whole call. No Lua here (see `socket.rs`).
//!
//! Invariants:
//! - No `RefCell` borrow is held across an await: an operation takes the stream out of the
//!   shared cell (a `Lease`) and puts it back when it is done. If the operation's future is
//!   dropped (the Lua invocation was cancelled), the lease closes the socket.
//! - A socket costs its stream and its read buffer; the buffer grows only while a read needs it.

use std::cell::RefCell;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio::time::Instant;

use super::socket_addr::{self, Family, Target};
use super::socket_tls;

/// A byte stream a socket can own: TCP, unix or TLS over TCP.
pub trait Stream: AsyncRead + AsyncWrite + Unpin {}
impl<T: AsyncRead + AsyncWrite + Unpin> Stream for T {}

/// Bytes asked from the kernel per read.
const READ_CHUNK: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Created by `core.tcp()`, never connected.
    Fresh,
    Connecting,
    Connected,
    /// `close()`d, or an operation on it was abandoned.
    Closed,
}

pub struct Conn {
    stream: Option<Box<dyn Stream>>,
    phase: Phase,
    /// An operation holds the stream.
    busy: bool,
    rbuf: BytesMut,
    /// The peer closed its side (what is in `rbuf` is all there will be).
    eof: bool,
    /// `settimeout`: bounds each connect, send or receive call.
    pub timeout: Option<Duration>,
    /// Addresses as HAProxy prints them (`getpeername`/`getsockname`).
    pub peer: Option<String>,
    pub local: Option<String>,
    /// Verify server certificates (`ssl-server-verify`, default `required`).
    pub verify: bool,
}

pub type Shared = Rc<RefCell<Conn>>;

/// Why an operation failed; `message` is what Lua sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockError {
    Closed,
    Timeout,
    HostNotFound,
    AlreadyConnected,
    /// Another Lua execution is using the socket right now.
    Busy,
    Other(String),
}

impl SockError {
    pub fn message(&self) -> String {
        match self {
            SockError::Closed => "closed".into(),
            SockError::Timeout => "timeout".into(),
            SockError::HostNotFound => "host not found".into(),
            SockError::AlreadyConnected => "already connected".into(),
            SockError::Busy => "socket in use by another Lua execution".into(),
            SockError::Other(m) => m.clone(),
        }
    }

    fn from_io(e: &io::Error) -> SockError {
        match e.kind() {
            io::ErrorKind::TimedOut => SockError::Timeout,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::NotConnected => SockError::Closed,
            _ => SockError::Other(io_message(e)),
        }
    }
}

/// An OS error the way LuaSocket words it: `strerror` in lower case ("connection refused").
pub fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => &s[..i],
        None => &s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".into(),
    }
}

impl Conn {
    pub fn new(verify: bool) -> Shared {
        Rc::new(RefCell::new(Conn {
            stream: None,
            phase: Phase::Fresh,
            busy: false,
            rbuf: BytesMut::new(),
            eof: false,
            timeout: None,
            peer: None,
            local: None,
            verify,
        }))
    }

    /// `close()`: the stream is dropped now (or when the operation holding it ends).
    pub fn close(&mut self) {
        self.stream = None;
        self.phase = Phase::Closed;
        self.rbuf = BytesMut::new();
        self.peer = None;
        self.local = None;
    }

    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }
}

/// What `receive` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// `*l`: up to LF, every CR dropped.
    Line,
    /// `*a`: until the peer closes.
    All,
    /// That many bytes.
    Count(usize),
}

/// A `receive` in progress: what it has gathered so far (prefix included).
pub struct Receive {
    pub pattern: Pattern,
    pub out: Vec<u8>,
    /// Bytes still wanted (`Count`).
    left: usize,
    /// Bytes read by `*a` (a `*a` that got nothing at all reports "closed").
    got: usize,
}

impl Receive {
    /// LuaSocket counts the prefix in a byte count: `receive(5, "ab")` reads 3 bytes.
    pub fn new(pattern: Pattern, prefix: &[u8]) -> Receive {
        let left = match pattern {
            Pattern::Count(n) => n.saturating_sub(prefix.len()),
            _ => 0,
        };
        Receive {
            pattern,
            out: prefix.to_vec(),
            left,
            got: 0,
        }
    }

    /// Moves what the buffer holds into the result; `Some` when the receive is complete.
    fn step(&mut self, rbuf: &mut BytesMut, eof: bool) -> Option<Result<(), SockError>> {
        match self.pattern {
            Pattern::Line => {
                let (line, found) = match memchr::memchr(b'\n', rbuf) {
                    Some(i) => (i, true),
                    None => (rbuf.len(), false),
                };
                self.out
                    .extend(rbuf[..line].iter().copied().filter(|&b| b != b'\r'));
                rbuf.advance(line + usize::from(found));
                if found {
                    return Some(Ok(()));
                }
            }
            Pattern::Count(_) => {
                let n = self.left.min(rbuf.len());
                self.out.extend_from_slice(&rbuf[..n]);
                rbuf.advance(n);
                self.left -= n;
                if self.left == 0 {
                    return Some(Ok(()));
                }
            }
            Pattern::All => {
                self.got += rbuf.len();
                self.out.extend_from_slice(rbuf);
                rbuf.clear();
                if eof {
                    return Some(if self.got > 0 {
                        Ok(())
                    } else {
                        Err(SockError::Closed)
                    });
                }
            }
        }
        eof.then_some(Err(SockError::Closed))
    }
}

/// Completes `rx` from buffered data alone, if it can (no await needed).
pub fn receive_now(conn: &Shared, rx: &mut Receive) -> Option<Result<(), SockError>> {
    let mut c = conn.borrow_mut();
    if c.phase != Phase::Connected || c.busy {
        return None;
    }
    let c = &mut *c;
    rx.step(&mut c.rbuf, c.eof)
}

/// The stream, lent to one operation. An operation abandoned halfway (its future dropped)
/// closes the socket: a half-written message must not be followed by another.
struct Lease {
    conn: Shared,
    /// The operation ran to its end (success or error): the stream goes back.
    done: bool,
    stream: Option<Box<dyn Stream>>,
    rbuf: BytesMut,
    eof: bool,
    deadline: Option<Instant>,
}

impl Lease {
    fn take(conn: &Shared) -> Result<Lease, SockError> {
        let mut c = conn.borrow_mut();
        if c.busy {
            return Err(SockError::Busy);
        }
        let Some(stream) = c.stream.take() else {
            return Err(SockError::Closed);
        };
        c.busy = true;
        Ok(Lease {
            deadline: c.timeout.map(|t| Instant::now() + t),
            rbuf: std::mem::take(&mut c.rbuf),
            eof: c.eof,
            stream: Some(stream),
            conn: conn.clone(),
            done: false,
        })
    }

    fn stream(&mut self) -> &mut Box<dyn Stream> {
        self.stream.as_mut().expect("a lease holds its stream")
    }

    /// Reads more into the buffer; `Ok(false)` at end of stream.
    async fn fill(&mut self) -> Result<bool, SockError> {
        if self.eof {
            return Ok(false);
        }
        self.rbuf.reserve(READ_CHUNK);
        let deadline = self.deadline;
        let Lease { stream, rbuf, .. } = self;
        let stream = stream.as_mut().expect("a lease holds its stream");
        let r = with_deadline(deadline, stream.read_buf(rbuf)).await?;
        match r {
            Ok(0) => {
                self.eof = true;
                Ok(false)
            }
            Ok(_) => Ok(true),
            Err(e) => {
                // A reset peer is a closed one for the reader (LuaSocket says "closed").
                self.eof = true;
                Err(SockError::from_io(&e))
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut c = self.conn.borrow_mut();
        c.busy = false;
        match self.stream.take() {
            // Put back unless `close()` was called meanwhile.
            Some(s) if self.done && c.phase == Phase::Connected => {
                c.stream = Some(s);
                // An idle socket keeps no empty read buffer.
                c.rbuf = if self.rbuf.is_empty() {
                    BytesMut::new()
                } else {
                    std::mem::take(&mut self.rbuf)
                };
                c.eof = self.eof;
            }
            _ => c.close(),
        }
    }
}

async fn with_deadline<F: std::future::Future>(
    deadline: Option<Instant>,
    f: F,
) -> Result<F::Output, SockError> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, f)
            .await
            .map_err(|_| SockError::Timeout),
        None => Ok(f.await),
    }
}

/// `receive`: completes `rx` from the socket; on error `rx.out` holds the partial result.
pub async fn receive(conn: Shared, rx: &mut Receive) -> Result<(), SockError> {
    let mut lease = Lease::take(&conn)?;
    loop {
        if let Some(r) = rx.step(&mut lease.rbuf, lease.eof) {
            lease.done = true;
            return r;
        }
        if let Err(e) = lease.fill().await {
            lease.done = true;
            return Err(e);
        }
    }
}

/// `send`: writes `data`; returns how many bytes went out, and the error that stopped it.
pub async fn send(conn: Shared, data: Vec<u8>) -> (usize, Option<SockError>) {
    let mut lease = match Lease::take(&conn) {
        Ok(l) => l,
        Err(e) => return (0, Some(e)),
    };
    let r = write_all(&mut lease, &data).await;
    lease.done = true;
    r
}

async fn write_all(lease: &mut Lease, data: &[u8]) -> (usize, Option<SockError>) {
    let deadline = lease.deadline;
    let mut sent = 0;
    while sent < data.len() {
        match with_deadline(deadline, lease.stream().write(&data[sent..])).await {
            Ok(Ok(0)) => return (sent, Some(SockError::Closed)),
            Ok(Ok(n)) => sent += n,
            Ok(Err(e)) => return (sent, Some(SockError::from_io(&e))),
            Err(e) => return (sent, Some(e)),
        }
    }
    // TLS keeps records in its own buffer until flushed.
    match with_deadline(deadline, lease.stream().flush()).await {
        Ok(Ok(())) => (sent, None),
        Ok(Err(e)) => (sent, Some(SockError::from_io(&e))),
        Err(e) => (sent, Some(e)),
    }
}

/// `shutdown`: closes the sending direction (the peer reads end of stream).
pub async fn shutdown_send(conn: Shared) -> Result<(), SockError> {
    let mut lease = Lease::take(&conn)?;
    let deadline = lease.deadline;
    let r = with_deadline(deadline, lease.stream().shutdown()).await;
    lease.done = true;
    match r? {
        Ok(()) => Ok(()),
        Err(e) => Err(SockError::from_io(&e)),
    }
}

/// Marks the socket as connecting; the guard makes it `Fresh` again if the connect fails
/// and `Closed` if it is abandoned halfway.
struct Connecting {
    conn: Shared,
    done: bool,
}

impl Drop for Connecting {
    fn drop(&mut self) {
        if !self.done {
            let mut c = self.conn.borrow_mut();
            if c.phase == Phase::Connecting {
                c.phase = Phase::Closed;
            }
        }
    }
}

/// `connect`/`connect_ssl`: resolves `target` (names asynchronously), connects to the first
/// address that answers, then runs the TLS handshake when `tls`.
pub async fn connect(conn: Shared, target: Target, tls: bool) -> Result<(), SockError> {
    let (deadline, verify) = {
        let mut c = conn.borrow_mut();
        match c.phase {
            Phase::Fresh => {}
            Phase::Connected => return Err(SockError::AlreadyConnected),
            Phase::Connecting => return Err(SockError::Busy),
            Phase::Closed => return Err(SockError::Closed),
        }
        c.phase = Phase::Connecting;
        (c.timeout.map(|t| Instant::now() + t), c.verify)
    };
    let mut guard = Connecting {
        conn: conn.clone(),
        done: false,
    };
    let r = with_deadline(deadline, open(target, tls, verify)).await;
    let r = r.and_then(|r| r);
    guard.done = true;
    let mut c = conn.borrow_mut();
    if c.phase != Phase::Connecting {
        // Closed while connecting: the new stream is dropped.
        return Err(SockError::Closed);
    }
    match r {
        Ok(opened) => {
            c.phase = Phase::Connected;
            c.stream = Some(opened.stream);
            c.peer = opened.peer;
            c.local = opened.local;
            c.eof = false;
            Ok(())
        }
        Err(e) => {
            c.phase = Phase::Fresh;
            Err(e)
        }
    }
}

struct Opened {
    stream: Box<dyn Stream>,
    peer: Option<String>,
    local: Option<String>,
}

async fn open(target: Target, tls: bool, verify: bool) -> Result<Opened, SockError> {
    match target {
        Target::Unix(path) => {
            if tls {
                return Err(SockError::Other(
                    "connect_ssl: TLS needs a host name or an IP address".into(),
                ));
            }
            open_unix(path).await
        }
        Target::Inet { host, port, family } => {
            let tcp = open_tcp(&host, port, family).await?;
            let peer = tcp.peer_addr().ok().map(|a| socket_addr::show(&a));
            let local = tcp.local_addr().ok().map(|a| socket_addr::show(&a));
            let stream: Box<dyn Stream> = if tls {
                let Some(name) = socket_tls::server_name(&host) else {
                    return Err(SockError::HostNotFound);
                };
                match socket_tls::handshake(tcp, name, verify).await {
                    Ok(s) => Box::new(s),
                    Err(e) => return Err(SockError::Other(socket_tls::error_message(&e))),
                }
            } else {
                Box::new(tcp)
            };
            Ok(Opened {
                stream,
                peer,
                local,
            })
        }
    }
}

async fn open_unix(path: PathBuf) -> Result<Opened, SockError> {
    let s = UnixStream::connect(&path)
        .await
        .map_err(|e| SockError::from_io(&e))?;
    let local = s
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(|p| p.display().to_string()));
    Ok(Opened {
        stream: Box::new(s),
        peer: Some(path.display().to_string()),
        local,
    })
}

async fn open_tcp(host: &str, port: u16, family: Family) -> Result<TcpStream, SockError> {
    let addrs: Vec<std::net::SocketAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![(ip, port).into()],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| SockError::HostNotFound)?
            .filter(|a| family.accepts(&a.ip()))
            .collect(),
    };
    let mut last = SockError::HostNotFound;
    for a in addrs {
        match TcpStream::connect(a).await {
            Ok(s) => {
                // Lua clients talk request/response: do not hold small writes back.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = SockError::from_io(&e),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: Pattern, prefix: &[u8], chunks: &[&[u8]], eof: bool) -> (Vec<u8>, Option<bool>) {
        let mut rx = Receive::new(p, prefix);
        let mut buf = BytesMut::new();
        let mut r = None;
        for c in chunks {
            buf.extend_from_slice(c);
            r = rx.step(&mut buf, false);
            if r.is_some() {
                break;
            }
        }
        if r.is_none() && eof {
            r = rx.step(&mut buf, true);
        }
        (rx.out, r.map(|r| r.is_ok()))
    }

    #[test]
    fn line_drops_every_cr() {
        assert_eq!(
            run(Pattern::Line, b"", &[b"a\rb", b"c\r\nrest"], false),
            (b"abc".to_vec(), Some(true))
        );
        assert_eq!(
            run(Pattern::Line, b"P:", &[b"tail"], true),
            (b"P:tail".to_vec(), Some(false))
        );
    }

    #[test]
    fn count_includes_prefix() {
        assert_eq!(
            run(Pattern::Count(5), b"ab", &[b"cdefg"], false),
            (b"abcde".to_vec(), Some(true))
        );
        assert_eq!(
            run(Pattern::Count(2), b"abc", &[], false).0,
            b"abc".to_vec()
        );
        assert_eq!(
            run(Pattern::Count(4), b"", &[b"xy"], true),
            (b"xy".to_vec(), Some(false))
        );
    }

    #[test]
    fn all_until_close() {
        assert_eq!(
            run(Pattern::All, b"", &[b"x", b"y"], true),
            (b"xy".to_vec(), Some(true))
        );
        assert_eq!(run(Pattern::All, b"", &[], true), (vec![], Some(false)));
    }

    /// A receive whose future is dropped (its Lua execution was cancelled) closes the socket.
    #[test]
    fn abandoned_operation_closes_the_socket() {
        use std::io::Read;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let conn = Conn::new(true);
        let target = Target::Inet {
            host: "127.0.0.1".into(),
            port,
            family: Family::Any,
        };
        rt.block_on(connect(conn.clone(), target, false)).unwrap();
        let (mut peer, _) = l.accept().unwrap();
        assert!(conn.borrow().is_connected());
        let mut rx = Receive::new(Pattern::Line, b"");
        let waited = rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(50), receive(conn.clone(), &mut rx)).await
        });
        assert!(waited.is_err());
        assert!(!conn.borrow().is_connected());
        peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 1];
        assert_eq!(peer.read(&mut b).unwrap(), 0);
    }

    #[test]
    fn messages_read_like_luasocket() {
        let e = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(io_message(&e), "connection refused");
    }
}
