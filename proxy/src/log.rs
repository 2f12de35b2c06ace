//! The process's own messages in HAProxy's format, and the syslog severities.
//!
//! HAProxy writes its startup and runtime alerts as `[ALERT]    (pid) : msg` on stderr, unless
//! started with `-q`. Log targets (`log` lines) and Lua's routing to them are `logging/`'s job.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Syslog severities, the numbers `core.log` takes (`core.emerg` = 0 ... `core.debug` = 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Emerg = 0,
    Alert = 1,
    Crit = 2,
    Err = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
}

impl Level {
    pub const ALL: [Level; 8] = [
        Level::Emerg,
        Level::Alert,
        Level::Crit,
        Level::Err,
        Level::Warning,
        Level::Notice,
        Level::Info,
        Level::Debug,
    ];

    pub fn from_number(n: i64) -> Option<Level> {
        usize::try_from(n)
            .ok()
            .and_then(|i| Level::ALL.get(i).copied())
    }

    /// The name HAProxy prints and accepts in configuration (`log ... info`).
    pub fn name(self) -> &'static str {
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Err => "err",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.iter().copied().find(|l| l.name() == name)
    }
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q`: no messages on stderr but fatal ones.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

fn write_stderr(line: &str) {
    // One write per message so lines from several threads do not interleave.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A process message: `[ALERT]    (pid) : msg`. Alerts are printed even with `-q`.
pub fn alert(msg: &str) {
    write_stderr(&format!("[ALERT]    ({}) : {msg}\n", crate::process::pid()));
}

pub fn warning(msg: &str) {
    if !is_quiet() {
        write_stderr(&format!("[WARNING]  ({}) : {msg}\n", crate::process::pid()));
    }
}

pub fn notice(msg: &str) {
    if !is_quiet() {
        write_stderr(&format!("[NOTICE]   ({}) : {msg}\n", crate::process::pid()));
    }
}

/// An OS error as C's `strerror` words it ("Address already in use"), without Rust's
/// " (os error N)" suffix.
pub fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
