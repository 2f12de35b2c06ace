//! `Loggers`: the resolved `log` targets of one proxy (or of `global`), built once from the
//! configuration, cheap to clone into every worker (an `Arc`), and `send(level, msg)` that
//! filters, frames and delivers a line to each target without blocking.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::config::model::{Config, LogDest, LogFormat, LogLevel, LogTarget};
use crate::log::Level;

use super::clock::LogTime;
use super::frame::{self, Framing, Meta};
use super::sink::{self, SendError};

/// HAProxy's `MAX_SYSLOG_LEN`: the default `len`, and the least size of the buffer a message
/// is written into before framing.
pub const DEFAULT_MAX_LEN: usize = 1024;

/// What every line of the process shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSettings {
    /// The program name in headers. "haproxy", not "halo": HAProxy uses its program name
    /// (`log-tag` changes it), and existing pipelines select on it (Debian's
    /// `/etc/rsyslog.d/49-haproxy.conf` routes `programname startswith "haproxy"` to
    /// `/var/log/haproxy.log`; grok/fail2ban patterns match `haproxy[pid]:`), so a drop-in
    /// replacement must keep it.
    pub tag: String,
    pub hostname: Option<String>,
    pub pid: u32,
    /// HAProxy's `global.max_syslog_len`: the largest `len` of any target, at least 1024. A
    /// message (Lua line, traffic line) is cut to one byte less before framing.
    pub max_syslog_len: usize,
}

impl LogSettings {
    /// The settings for `cfg` in this process.
    pub fn for_config(cfg: &Config) -> LogSettings {
        let lens = cfg
            .global
            .logs
            .iter()
            .chain(cfg.defaults.iter().flat_map(|p| p.logs.iter()))
            .chain(cfg.proxies.iter().flat_map(|p| p.logs.iter()))
            .filter_map(|t| t.max_len);
        LogSettings {
            tag: "haproxy".into(),
            hostname: None,
            pid: crate::process::pid(),
            max_syslog_len: lens.map(|l| l as usize).fold(DEFAULT_MAX_LEN, usize::max),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            tag: "haproxy".into(),
            hostname: None,
            pid: crate::process::pid(),
            max_syslog_len: DEFAULT_MAX_LEN,
        }
    }
}

/// Where one target's lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    Stderr,
    Udp(SocketAddr),
    Unix(PathBuf),
}

/// One `log` line, resolved.
#[derive(Debug)]
pub struct Target {
    pub dest: Dest,
    pub format: LogFormat,
    /// `len` (1024 when absent).
    pub max_len: usize,
    /// 0..=23.
    pub facility: u8,
    /// Lines less severe than this are not sent (`debug` when absent: all are).
    pub level: Level,
    /// Lines more severe than this are sent at this level (`emerg` when absent).
    pub min_level: Level,
    /// Set after the first delivery error was reported, so a dead target alerts once.
    alerted: AtomicBool,
}

impl Target {
    pub fn from_config(t: &LogTarget) -> Target {
        Target {
            dest: match &t.dest {
                LogDest::Stdout => Dest::Stdout,
                LogDest::Stderr => Dest::Stderr,
                LogDest::Udp(a) => Dest::Udp(*a),
                LogDest::Unix(p) => Dest::Unix(p.clone()),
            },
            format: t.format,
            max_len: t.max_len.map_or(DEFAULT_MAX_LEN, |l| l as usize),
            facility: t.facility.0.min(23),
            level: t.level.map_or(Level::Debug, level_of),
            min_level: t.min_level.map_or(Level::Emerg, level_of),
            alerted: AtomicBool::new(false),
        }
    }

    /// The level this target sends `level` at, or `None` when it filters it out (HAProxy's
    /// `process_send_log`: `level > logsrv->level` skips, `MAX(level, minlvl)` caps).
    pub fn accepts(&self, level: Level) -> Option<Level> {
        if level > self.level {
            None
        } else {
            Some(level.max(self.min_level))
        }
    }

    fn framing(&self) -> Framing {
        match self.dest {
            Dest::Stdout | Dest::Stderr => Framing::Stream,
            Dest::Udp(_) | Dest::Unix(_) => Framing::Datagram,
        }
    }
}

/// The config's level names as the numbers `core.log` uses.
pub fn level_of(l: LogLevel) -> Level {
    Level::ALL[l as usize]
}

struct Inner {
    targets: Vec<Target>,
    settings: Arc<LogSettings>,
    meta: Meta,
    dropped: AtomicU64,
}

/// The targets of one proxy (with `log global` already resolved by the configuration) or of
/// the `global` section. Cloning is an `Arc` clone; sockets are per thread (see `sink`).
#[derive(Clone)]
pub struct Loggers(Arc<Inner>);

impl std::fmt::Debug for Loggers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.targets.iter()).finish()
    }
}

impl Loggers {
    pub fn new(targets: &[LogTarget], settings: Arc<LogSettings>) -> Loggers {
        let meta = Meta {
            tag: settings.tag.clone(),
            pid: settings.pid,
            hostname: settings.hostname.clone(),
        };
        Loggers(Arc::new(Inner {
            targets: targets.iter().map(Target::from_config).collect(),
            settings,
            meta,
            dropped: AtomicU64::new(0),
        }))
    }

    /// No target: `send` does nothing.
    pub fn empty() -> Loggers {
        Loggers::new(&[], Arc::new(LogSettings::default()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.targets.is_empty()
    }

    pub fn targets(&self) -> &[Target] {
        &self.0.targets
    }

    pub fn settings(&self) -> &LogSettings {
        &self.0.settings
    }

    /// Lines dropped because a socket buffer or pipe was full (HAProxy's `dropped_logs`).
    pub fn dropped(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }

    /// Sends `msg` at `level` to every target that accepts it, stamped now. Never blocks.
    pub fn send(&self, level: Level, msg: &[u8]) {
        if self.is_empty() {
            return;
        }
        self.send_at(level, msg, &LogTime::now());
    }

    /// `send` with an explicit time stamp.
    pub fn send_at(&self, level: Level, msg: &[u8], t: &LogTime) {
        let mut buf = Vec::new();
        for (i, target) in self.0.targets.iter().enumerate() {
            buf.clear();
            if !self.frame_into(&mut buf, target, level, msg, t) {
                continue;
            }
            let r = match &target.dest {
                Dest::Stdout => sink::write_fd(1, &buf),
                Dest::Stderr => sink::write_fd(2, &buf),
                Dest::Udp(a) => sink::send_udp(*a, &buf),
                Dest::Unix(p) => sink::send_unix(p, &buf),
            };
            match r {
                Ok(()) => {}
                Err(SendError::Full) => {
                    self.0.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(SendError::Io(e)) => {
                    if !target.alerted.swap(true, Ordering::Relaxed) {
                        crate::log::alert(&format!(
                            "sendmsg()/writev() failed in logger #{}: {} (errno={})",
                            i + 1,
                            crate::log::os_error_text(&e),
                            e.raw_os_error().unwrap_or(0)
                        ));
                    }
                }
            }
        }
    }

    /// The lines each target would receive (target index, bytes), without sending: what the
    /// tests and a `-c`-style dry run look at.
    pub fn render(&self, level: Level, msg: &[u8], t: &LogTime) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        for (i, target) in self.0.targets.iter().enumerate() {
            let mut buf = Vec::new();
            if self.frame_into(&mut buf, target, level, msg, t) {
                out.push((i, buf));
            }
        }
        out
    }

    fn frame_into(
        &self,
        buf: &mut Vec<u8>,
        target: &Target,
        level: Level,
        msg: &[u8],
        t: &LogTime,
    ) -> bool {
        let Some(level) = target.accepts(level) else {
            return false;
        };
        // The message buffer HAProxy formats into holds `max_syslog_len - 1` bytes.
        let cap = self.0.settings.max_syslog_len.saturating_sub(1);
        let msg = &msg[..msg.len().min(cap)];
        frame::frame(
            buf,
            target.format,
            target.facility,
            level,
            &self.0.meta,
            t,
            msg,
            target.max_len,
            target.framing(),
        );
        true
    }
}

/// Every `Loggers` of a configuration, built once at start-up: the global targets (for
/// `core.log` and process messages) and one set per proxy, in `Config::proxies` order.
#[derive(Clone, Debug)]
pub struct LogSetup {
    pub settings: Arc<LogSettings>,
    pub global: Loggers,
    pub proxies: Vec<Loggers>,
}

impl LogSetup {
    pub fn from_config(cfg: &Config) -> LogSetup {
        let settings = Arc::new(LogSettings::for_config(cfg));
        LogSetup {
            global: Loggers::new(&cfg.global.logs, settings.clone()),
            proxies: cfg
                .proxies
                .iter()
                .map(|p| Loggers::new(&p.logs, settings.clone()))
                .collect(),
            settings,
        }
    }

    /// The loggers of the proxy at `index` in `Config::proxies` (empty if out of range).
    pub fn proxy(&self, index: usize) -> Loggers {
        self.proxies
            .get(index)
            .cloned()
            .unwrap_or_else(Loggers::empty)
    }
}
