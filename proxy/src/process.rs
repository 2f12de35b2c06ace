//! Process-wide facts and counters: what `core.get_info()` (HAProxy's `show info`) reports.
//! Counters are atomics because every worker thread updates them; they are the only shared
//! mutable state on the request path, and each is one relaxed increment.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub const NAME: &str = "Halo";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

static STARTED: OnceLock<(Instant, u64)> = OnceLock::new();
pub static CURR_CONNS: AtomicI64 = AtomicI64::new(0);
pub static CUM_CONNS: AtomicU64 = AtomicU64::new(0);
pub static CUM_REQ: AtomicU64 = AtomicU64::new(0);
static NBTHREAD: AtomicI64 = AtomicI64::new(1);
static MAXCONN: AtomicI64 = AtomicI64::new(0);

/// Records the start time (first call wins).
pub fn mark_started() {
    STARTED.get_or_init(|| {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        (Instant::now(), epoch)
    });
}

pub fn set_limits(nbthread: usize, maxconn: usize) {
    NBTHREAD.store(nbthread as i64, Ordering::Relaxed);
    MAXCONN.store(maxconn as i64, Ordering::Relaxed);
}

pub enum InfoValue {
    Str(String),
    Int(i64),
}

/// `show info` fields, in HAProxy's names.
pub fn info() -> Vec<(&'static str, InfoValue)> {
    mark_started();
    let (started, epoch) = *STARTED.get().expect("marked above");
    let up = started.elapsed().as_secs();
    let uptime = format!(
        "{}d {}h{:02}m{:02}s",
        up / 86400,
        (up / 3600) % 24,
        (up / 60) % 60,
        up % 60
    );
    vec![
        ("Name", InfoValue::Str(NAME.into())),
        ("Version", InfoValue::Str(VERSION.into())),
        ("Nbthread", InfoValue::Int(NBTHREAD.load(Ordering::Relaxed))),
        ("Nbproc", InfoValue::Int(1)),
        ("Process_num", InfoValue::Int(1)),
        ("Pid", InfoValue::Int(i64::from(pid()))),
        ("Uptime", InfoValue::Str(uptime)),
        ("Uptime_sec", InfoValue::Int(up as i64)),
        ("Start_time_sec", InfoValue::Int(epoch as i64)),
        ("Maxconn", InfoValue::Int(MAXCONN.load(Ordering::Relaxed))),
        (
            "CurrConns",
            InfoValue::Int(CURR_CONNS.load(Ordering::Relaxed)),
        ),
        (
            "CumConns",
            InfoValue::Int(CUM_CONNS.load(Ordering::Relaxed) as i64),
        ),
        (
            "CumReq",
            InfoValue::Int(CUM_REQ.load(Ordering::Relaxed) as i64),
        ),
    ]
}

static STOPPING: AtomicBool = AtomicBool::new(false);

/// The process id, read once: every traffic log line carries it, and `getpid` was one system
/// call per request. 0 until first asked; `daemon.rs` clears it in the forked child.
static PID: AtomicU32 = AtomicU32::new(0);

/// This process's id (`std::process::id`, cached).
pub fn pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PID.store(pid, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

/// Forgets the cached id (in a child after `fork`).
pub fn forget_pid() {
    PID.store(0, Ordering::Relaxed);
}

/// A soft stop (SIGUSR1) was requested: stop accepting, finish the connections in flight.
pub fn request_stop() {
    STOPPING.store(true, Ordering::Relaxed);
}

pub fn stopping() -> bool {
    STOPPING.load(Ordering::Relaxed)
}
