//! HAProxy's logging: `log` targets (stdout/stderr, UDP syslog, unix datagram sockets) in
//! every 2.6 format, the traffic log of finished streams, and Lua's log lines.
//!
//! - `clock.rs`: `LogTime`, the local broken-down time stamp of a line.
//! - `frame.rs`: the exact bytes of one line per format, `len` truncation (pure).
//! - `sink.rs`: non-blocking delivery (per-thread sockets, polled stdout/stderr writes).
//! - `loggers.rs`: `LogSettings`, `Target`, `Loggers` (one proxy's targets), `LogSetup`.
//! - `traffic.rs`: `TrafficLog`, which line a stream logs and when.
//! - `lua.rs`: `core.log`/`txn:log` routing (`tune.lua.log.*`), the stderr line.

pub mod clock;
pub mod frame;
pub mod loggers;
pub mod lua;
pub mod sink;
pub mod traffic;

pub use clock::LogTime;
pub use loggers::{Dest, LogSettings, LogSetup, Loggers, Target};
pub use lua::{LuaLogContext, LuaLogPolicy};
pub use traffic::TrafficLog;
