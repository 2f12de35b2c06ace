//! Peers for Lua `Socket` tests: small TCP servers on std threads with scripted behaviour
//! (echo, send-then-close, send-then-hold, delayed echo, EOF detection), a TLS echo server
//! with a self-signed certificate made by `rcgen`, a unix-socket echo server, and a real
//! `redis-server` started on a free port.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::ports;

/// How long any server thread waits on its peer at most (tests never hang on a server).
const PEER_WAIT: Duration = Duration::from_secs(10);

/// Runs `handler` on a new thread for every connection; returns the port.
pub fn serve<F>(handler: F) -> u16
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    serve_on(ports::listener(), handler)
}

pub fn serve_on<F>(listener: TcpListener, handler: F) -> u16
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    let port = listener.local_addr().expect("bound").port();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(PEER_WAIT));
            let h = handler.clone();
            std::thread::spawn(move || h(conn));
        }
    });
    port
}

/// Echoes everything back until the peer closes.
pub fn echo(mut c: TcpStream) {
    let mut buf = [0u8; 16384];
    while let Ok(n) = c.read(&mut buf) {
        if n == 0 || c.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// A server that writes `data` at once, then closes.
pub fn send_then_close(data: &'static [u8]) -> u16 {
    serve(move |mut c| {
        let _ = c.write_all(data);
        std::thread::sleep(Duration::from_millis(50));
        let _ = c.shutdown(Shutdown::Both);
    })
}

/// A server that writes `data`, then keeps the connection open until the peer closes.
pub fn send_then_hold(data: &'static [u8]) -> u16 {
    serve(move |mut c| {
        let _ = c.write_all(data);
        let mut buf = [0u8; 1024];
        while matches!(c.read(&mut buf), Ok(n) if n > 0) {}
    })
}

/// Echoes each chunk after `delay` (a slow backend, for concurrency tests).
pub fn delayed_echo(delay: Duration) -> u16 {
    serve(move |mut c| {
        let mut buf = [0u8; 16384];
        while let Ok(n) = c.read(&mut buf) {
            if n == 0 {
                break;
            }
            std::thread::sleep(delay);
            if c.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    })
}

/// Counts the connections whose peer closed (read end of stream).
pub struct EofCounter {
    pub port: u16,
    closed: Arc<AtomicUsize>,
}

impl EofCounter {
    pub fn start() -> EofCounter {
        let closed = Arc::new(AtomicUsize::new(0));
        let c2 = closed.clone();
        let port = serve(move |mut c| {
            let mut buf = [0u8; 1024];
            loop {
                match c.read(&mut buf) {
                    Ok(0) => {
                        c2.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        });
        EofCounter { port, closed }
    }

    /// Waits until `n` peers have closed; false after `wait`.
    pub fn wait_closed(&self, n: usize, wait: Duration) -> bool {
        let end = Instant::now() + wait;
        while Instant::now() < end {
            if self.closed.load(Ordering::SeqCst) >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// A loopback port nobody listens on.
pub fn closed_port() -> u16 {
    let l = ports::listener();
    l.local_addr().expect("bound").port()
    // `l` is dropped here: connecting to the port is refused.
}

/// A unix-socket echo server at `path`.
pub fn unix_echo(path: &Path) {
    let l = std::os::unix::net::UnixListener::bind(path).expect("bind a unix socket");
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let _ = c.set_read_timeout(Some(PEER_WAIT));
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 || c.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
}

/// A TLS echo server (rustls on std threads) with a self-signed certificate for `localhost`
/// and 127.0.0.1.
pub fn tls_echo() -> u16 {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("self-signed certificate");
    let der = CertificateDer::from(cert.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .expect("server certificate");
    let config = Arc::new(config);
    serve(move |tcp| {
        let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
            return;
        };
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut buf = [0u8; 4096];
        while let Ok(n) = tls.read(&mut buf) {
            if n == 0 || tls.write_all(&buf[..n]).is_err() {
                break;
            }
            let _ = tls.flush();
        }
    })
}

/// A `redis-server` of its own (no persistence), killed when dropped.
pub struct Redis {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// `None` (with a note on stderr) when `redis-server` is not installed.
    pub fn start(test: &str) -> Option<Redis> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = ports::free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &dir.path().display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            eprintln!("note: {test}: skipped, `redis-server` is not on PATH (.ci/run installs it)");
            return None;
        };
        let r = Redis {
            port,
            child,
            _dir: dir,
        };
        let end = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < end,
                "redis-server does not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(r)
    }

    /// Sends one inline command and returns the first reply line (for checks from Rust).
    pub fn command(&self, cmd: &str) -> String {
        let mut c = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        c.set_read_timeout(Some(PEER_WAIT)).unwrap();
        c.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        let mut out = Vec::new();
        let mut b = [0u8; 1];
        while c.read(&mut b).map(|n| n == 1).unwrap_or(false) {
            if b[0] == b'\n' {
                break;
            }
            out.push(b[0]);
        }
        String::from_utf8_lossy(&out).trim_end().to_string()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `proxy/tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A listener whose accept queue is full and never drained: a new connection to it hangs in
/// the handshake (loopback drops the SYN), which is how a connect timeout is tested without
/// leaving the machine. Returns the port and what keeps the queue full.
pub fn unanswering_listener() -> (u16, Vec<TcpStream>, socket2::Socket) {
    use socket2::{Domain, Socket, Type};
    let mut bound = None;
    for _ in 0..50 {
        let s = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], ports::free_port()).into();
        if s.bind(&addr.into()).is_ok() && s.listen(0).is_ok() {
            bound = Some((s, addr));
            break;
        }
    }
    let (s, addr) = bound.expect("a port for the unanswering listener");
    let mut fillers = Vec::new();
    for _ in 0..4 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(c) => fillers.push(c),
            Err(_) => break,
        }
    }
    (addr.port(), fillers, s)
}

/// Sends `len` bytes (`i % 251`) then closes; a connection that first sends `N\n` and then
/// `N` bytes gets `got N\n` back instead (a sink that counts).
pub fn bulk() -> u16 {
    serve(|mut c| {
        let mut first = [0u8; 1];
        let mut head = Vec::new();
        while c.read(&mut first).map(|n| n == 1).unwrap_or(false) {
            if first[0] == b'\n' {
                break;
            }
            head.push(first[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        if let Some(n) = head.strip_prefix("send ") {
            let n: usize = n.parse().unwrap_or(0);
            let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let _ = c.write_all(&data);
            let _ = c.shutdown(Shutdown::Both);
        } else if let Ok(n) = head.parse::<usize>() {
            let mut got = 0;
            let mut sum: u64 = 0;
            let mut buf = [0u8; 65536];
            while got < n {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => {
                        got += k;
                        sum += buf[..k].iter().map(|&b| u64::from(b)).sum::<u64>();
                    }
                }
            }
            let _ = c.write_all(format!("got {got} sum {sum}\n").as_bytes());
        }
    })
}
