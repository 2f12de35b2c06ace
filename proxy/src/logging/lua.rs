//! Lua's `core.log`/`core.Debug...`/`txn:log`/`txn:Info...`: where the line goes.
//!
//! HAProxy 2.6 (`hlua_sendlog`, checked against haproxy 2.6.12):
//! - the message is cut at its first NUL (it is a C string), every byte that is not printable
//!   ASCII becomes `.` (a `\n` too, and each byte of UTF-8 text), and it is limited to 16383
//!   bytes, ending in ` ...` when cut;
//! - it goes to the loggers (`core.log`: the global ones; `txn:log`: the stream's backend's),
//!   except while the configuration is being read: `lua-load` bodies log to stderr only,
//!   since HAProxy's log buffers do not exist yet;
//! - and to stderr as `[level] DDD/HHMMSS (pid) : msg` unless `-q` (but always while
//!   starting), `debug` lines only with `-d`.
//!
//! 2.6 has no `tune.lua.log.*` keywords and always does both; the 3.4 keywords are honoured
//! with 2.6's behaviour as their defaults: `tune.lua.log.loggers` on, `tune.lua.log.stderr`
//! on (3.4's default is `auto`: stderr only when no logger took the line).

use std::cell::RefCell;
use std::io::Write;

use crate::config::model::{LuaLogStderr, TuneLua};
use crate::log::Level;

use super::clock::LogTime;
use super::loggers::Loggers;

/// HAProxy's trash buffer (`tune.bufsize` 16384) less its NUL.
const MAX_MSG: usize = 16383;

/// How Lua log lines are routed; build it once from the configuration and command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LuaLogPolicy {
    /// `tune.lua.log.loggers` (default on).
    pub loggers: bool,
    /// `tune.lua.log.stderr` (default on, 2.6's behaviour).
    pub stderr: LuaLogStderr,
    /// `-q`.
    pub quiet: bool,
    /// `-d` (debug lines reach stderr only then).
    pub debug: bool,
}

impl LuaLogPolicy {
    pub fn new(tune: &TuneLua, quiet: bool, debug: bool) -> LuaLogPolicy {
        LuaLogPolicy {
            loggers: tune.log_loggers.unwrap_or(true),
            stderr: tune.log_stderr.unwrap_or(LuaLogStderr::On),
            quiet,
            debug,
        }
    }
}

impl Default for LuaLogPolicy {
    fn default() -> Self {
        LuaLogPolicy::new(&TuneLua::default(), false, false)
    }
}

/// The message as HAProxy logs it (see the module comment).
pub fn sanitize(msg: &[u8]) -> Vec<u8> {
    let end = memchr::memchr(0, msg).unwrap_or(msg.len());
    let msg = &msg[..end];
    let mut out: Vec<u8> = msg
        .iter()
        .take(MAX_MSG)
        .map(|&c| if (0x20..0x7f).contains(&c) { c } else { b'.' })
        .collect();
    if msg.len() > MAX_MSG {
        let n = out.len();
        out[n - 4..].copy_from_slice(b" ...");
    }
    out
}

/// The stderr line: `[warning] 324/074728 (18353) : msg\n` (day of the year from 0, local
/// time).
pub fn stderr_line(level: Level, msg: &[u8], t: &LogTime, pid: u32) -> Vec<u8> {
    let mut line = format!(
        "[{}] {:03}/{:02}{:02}{:02} ({pid}) : ",
        level.name(),
        t.yday,
        t.hour,
        t.min,
        t.sec
    )
    .into_bytes();
    line.extend_from_slice(msg);
    line.push(b'\n');
    line
}

/// Where one Lua line goes: `(to the loggers, to stderr)`. `starting`: during start-up
/// (`lua-load` bodies, init functions), when stderr ignores `-q` as in HAProxy.
pub fn route(
    policy: &LuaLogPolicy,
    has_loggers: bool,
    level: Level,
    starting: bool,
) -> (bool, bool) {
    let to_loggers = policy.loggers && has_loggers;
    let stderr_wanted = match policy.stderr {
        LuaLogStderr::On => true,
        LuaLogStderr::Off => false,
        LuaLogStderr::Auto => !to_loggers,
    };
    let to_stderr =
        stderr_wanted && (!policy.quiet || starting) && (level != Level::Debug || policy.debug);
    (to_loggers, to_stderr)
}

/// Sends a Lua log line: to `loggers` (pass the global ones for `core.log`, the backend's
/// for `txn:log`, `None` while the configuration is read) and/or stderr per `policy`.
pub fn lua_log(
    policy: &LuaLogPolicy,
    loggers: Option<&Loggers>,
    level: Level,
    msg: &[u8],
    starting: bool,
) {
    let loggers = loggers.filter(|l| !l.is_empty());
    let (to_loggers, to_stderr) = route(policy, loggers.is_some(), level, starting);
    if !to_loggers && !to_stderr {
        return;
    }
    let msg = sanitize(msg);
    let t = LogTime::now();
    if let (true, Some(l)) = (to_loggers, loggers) {
        l.send_at(level, &msg, &t);
    }
    if to_stderr {
        let line = stderr_line(level, &msg, &t, crate::process::pid());
        // One write per line so threads do not interleave (as `crate::log` does).
        let _ = std::io::stderr().lock().write_all(&line);
    }
}

/// What `core.log` uses on this thread: the policy and the global loggers, installed by the
/// engine when a thread starts running Lua after start-up.
#[derive(Clone, Debug)]
pub struct LuaLogContext {
    pub policy: LuaLogPolicy,
    pub global: Loggers,
    pub starting: bool,
}

thread_local! {
    // Per thread, so workers share nothing; empty until installed, which is exactly the
    // `lua-load` phase (stderr only).
    static CONTEXT: RefCell<Option<LuaLogContext>> = const { RefCell::new(None) };
}

/// Installs this thread's `core.log` context (call again to change it, `None` to remove).
pub fn install(ctx: Option<LuaLogContext>) {
    CONTEXT.with(|c| *c.borrow_mut() = ctx);
}

/// `core.log` on this thread: the installed global loggers and policy, or, before any is
/// installed (while `lua-load` bodies run), stderr only with 2.6's rules.
pub fn core_log(level: Level, msg: &[u8]) {
    let ctx = CONTEXT.with(|c| c.borrow().clone());
    match ctx {
        Some(ctx) => lua_log(&ctx.policy, Some(&ctx.global), level, msg, ctx.starting),
        None => {
            let policy = LuaLogPolicy {
                quiet: crate::log::is_quiet(),
                // Without a context `-d` is unknown: debug lines are left out, as HAProxy
                // does without `-d` (see COMPAT.md).
                debug: false,
                ..LuaLogPolicy::default()
            };
            lua_log(&policy, None, level, msg, true)
        }
    }
}

/// `txn:log` with the stream's backend loggers and this thread's policy.
pub fn txn_log(backend: &Loggers, level: Level, msg: &[u8]) {
    let policy = CONTEXT
        .with(|c| c.borrow().as_ref().map(|c| c.policy))
        .unwrap_or_default();
    lua_log(&policy, Some(backend), level, msg, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn sanitize_like_hlua_sendlog() {
        // Recorded: txn:log(core.err, "txn:log a\0b \1 \255 é") -> "txn:log a";
        // txn:Info("txn info\n") -> "txn info."
        assert_eq!(sanitize(b"txn:log a\0b \x01 \xff"), b"txn:log a");
        assert_eq!(sanitize(b"txn info\n"), b"txn info.");
        assert_eq!(sanitize("\x01é\t~".as_bytes()), b"....~");
        let long = vec![b'x'; 20000];
        let s = sanitize(&long);
        assert_eq!(s.len(), MAX_MSG);
        assert!(s.ends_with(b"xx ..."));
        assert_eq!(sanitize(&long[..MAX_MSG]).len(), MAX_MSG);
        assert!(!sanitize(&long[..MAX_MSG]).ends_with(b" ..."));
    }

    #[test]
    fn stderr_line_format() {
        // Recorded: "[warning] 324/074728 (18353) : core.log in action".
        let t = LogTime::utc(UNIX_EPOCH + Duration::from_secs(1_795_247_248));
        assert_eq!(
            stderr_line(Level::Warning, b"core.log in action", &t, 18353),
            b"[warning] 324/074728 (18353) : core.log in action\n"
        );
    }

    #[test]
    fn routing() {
        let p = LuaLogPolicy::default();
        // 2.6: both, stderr unless -q, debug on stderr only with -d.
        assert_eq!(route(&p, true, Level::Info, false), (true, true));
        assert_eq!(route(&p, false, Level::Info, false), (false, true));
        assert_eq!(route(&p, true, Level::Debug, false), (true, false));
        let dbg = LuaLogPolicy { debug: true, ..p };
        assert_eq!(route(&dbg, true, Level::Debug, false), (true, true));
        let q = LuaLogPolicy { quiet: true, ..p };
        assert_eq!(route(&q, true, Level::Info, false), (true, false));
        assert_eq!(route(&q, true, Level::Info, true), (true, true));
        // 3.4's keywords.
        let auto = LuaLogPolicy {
            stderr: LuaLogStderr::Auto,
            ..p
        };
        assert_eq!(route(&auto, true, Level::Info, false), (true, false));
        assert_eq!(route(&auto, false, Level::Info, false), (false, true));
        let off = LuaLogPolicy {
            loggers: false,
            stderr: LuaLogStderr::Auto,
            ..p
        };
        assert_eq!(route(&off, true, Level::Info, false), (false, true));
        let none = LuaLogPolicy {
            stderr: LuaLogStderr::Off,
            ..p
        };
        assert_eq!(route(&none, false, Level::Alert, true), (false, false));
        let cfg = TuneLua {
            log_loggers: Some(false),
            log_stderr: Some(LuaLogStderr::Auto),
            ..TuneLua::default()
        };
        assert_eq!(
            LuaLogPolicy::new(&cfg, true, false),
            LuaLogPolicy {
                loggers: false,
                stderr: LuaLogStderr::Auto,
                quiet: true,
                debug: false
            }
        );
    }
}
