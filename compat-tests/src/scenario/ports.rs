//! Loopback ports for the proxies and origins a scenario starts: the same allocator as the
//! proxy's test kit (`proxy/tests/support/ports.rs`). Tests own 24000-24999; one atomic counter
//! per binary, starting at an offset hashed from the binary's name so two test binaries running
//! at once rarely meet, skipping ports that cannot be bound right now.

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

fn candidate() -> u16 {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    FIRST + ((start_offset() + n) % COUNT) as u16
}

/// A port nobody listens on right now, for a process about to be started.
pub fn free_port() -> Result<u16, String> {
    for _ in 0..COUNT {
        let p = candidate();
        if TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return Ok(p);
        }
    }
    Err(format!(
        "no free port left in {FIRST}..{}",
        u32::from(FIRST) + COUNT
    ))
}

/// A listener bound in the range, for a server the runner runs itself.
pub fn listener() -> Result<TcpListener, String> {
    for _ in 0..COUNT {
        if let Ok(l) = TcpListener::bind(("127.0.0.1", candidate())) {
            return Ok(l);
        }
    }
    Err(format!(
        "no free port left in {FIRST}..{}",
        u32::from(FIRST) + COUNT
    ))
}
