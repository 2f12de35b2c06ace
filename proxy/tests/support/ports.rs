//! Loopback ports for the proxies and backends the tests start.
//!
//! The tests own 24000-24999. Tests of one binary run in parallel threads, so ports come from
//! one atomic counter per binary; each binary starts at its own offset (a hash of its name) so
//! that binaries running at the same time (two `cargo test` invocations) rarely meet, and a
//! port that cannot be bound right now (someone else's, or in TIME_WAIT without SO_REUSEADDR)
//! is skipped.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

pub const FIRST: u16 = 24000;
pub const COUNT: u32 = 1000;

fn start_offset() -> u32 {
    static OFFSET: OnceLock<u32> = OnceLock::new();
    *OFFSET.get_or_init(|| {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        // Cargo names test binaries `<name>-<hash>`: the name alone keeps the offset stable.
        let name = exe.split('-').next().unwrap_or("");
        // FNV-1a: tiny and good enough to spread a dozen names over the range.
        let mut h: u32 = 0x811c_9dc5;
        for b in name.bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        (h % 10) * 100
    })
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The next candidate port of this binary (not checked).
fn candidate() -> u16 {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    FIRST + ((start_offset() + n) % COUNT) as u16
}

/// A port nobody listens on right now, for a process the test is about to start.
pub fn free_port() -> u16 {
    for _ in 0..COUNT {
        let p = candidate();
        if TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
    panic!("no free port left in {FIRST}..{}", u32::from(FIRST) + COUNT)
}

/// A listener bound in the range, for a server the test runs itself (no race at all).
pub fn listener() -> TcpListener {
    for _ in 0..COUNT {
        if let Ok(l) = TcpListener::bind(("127.0.0.1", candidate())) {
            return l;
        }
    }
    panic!("no free port left in {FIRST}..{}", u32::from(FIRST) + COUNT)
}

/// A port nothing listens on, for servers that must refuse connections: outside the range, so
/// no test running in parallel can be handed it (a `free_port()` could be taken by another
/// test before the proxy connects). Port 1 (tcpmux) has no listener on these machines.
pub fn refused_port() -> u16 {
    const PORT: u16 = 1;
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", PORT)).is_err(),
        "something listens on 127.0.0.1:{PORT}"
    );
    PORT
}
