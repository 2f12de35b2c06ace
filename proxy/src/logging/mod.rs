//! HAProxy's logging: `log` targets (stdout/stderr, UDP syslog, unix datagram sockets) in
//! every 2.6 format, the traffic log of finished streams, and Lua's log lines.
//!
//! - `clock.rs`: `LogTime`, the local broken-down time stamp of a line.
//! - `frame.rs`: the exact bytes of one line per format, `len` truncation (pure).
//! - `sink.rs`: non-blocking delivery (per-thread sockets, polled stdout/stderr writes).
//! - `loggers.rs`: `LogSettings`, `Target`, `Loggers` (one proxy's targets), `LogSetup`.
//! - `traffic.rs`: `TrafficLog`, which line a stream logs and when.
//! - `htx_size.rs`: HAProxy's way of counting a message's bytes (`%B`): its HTX size.
//! - `lua.rs`: `core.log`/`txn:log` routing (`tune.lua.log.*`), the stderr line.
//!
//! How the engine uses it. Once, at start-up, from the configuration:
//!
//! ```no_run
//! use halo::config::Config;
//! use halo::logging::{LogSetup, LuaLogContext, LuaLogPolicy, TrafficLog, lua};
//! # fn f(cfg: &Config, quiet: bool, debug: bool) {
//! let setup = LogSetup::from_config(cfg); // global + one `Loggers` per `cfg.proxies` entry
//! let traffic: Vec<TrafficLog> = cfg
//!     .proxies
//!     .iter()
//!     .enumerate()
//!     .map(|(i, p)| TrafficLog::new(p, setup.proxy(i)))
//!     .collect();
//! // On every thread that runs Lua after the configuration is read (workers, and the main
//! // thread before init functions with `starting: true`): `core.log` then reaches the
//! // global targets.
//! lua::install(Some(LuaLogContext {
//!     policy: LuaLogPolicy::new(&cfg.global.tune_lua, quiet, debug),
//!     global: setup.global.clone(),
//!     starting: false,
//! }));
//! # }
//! ```
//!
//! A Lua log line: `core.log` goes through `lua/corelib.rs::send_log` ->
//! [`lua::core_log`]; `txn:log` should use the stream's backend targets:
//!
//! ```no_run
//! # use halo::logging::{Loggers, lua};
//! # use halo::log::Level;
//! # fn f(backend: &Loggers) {
//! lua::txn_log(backend, Level::Info, b"txn:log message");
//! # }
//! ```
//!
//! A stream starts / a stream ends (`req_bytes`: bytes received from the client, for
//! `dontlognull`; `level`: `set-log-level`/`txn:set_loglevel`):
//!
//! ```no_run
//! # use halo::logging::TrafficLog;
//! # use halo::log::Level;
//! # use halo::sample::{LuaSamples, logformat::StreamLog};
//! # async fn f<S: LuaSamples>(fe: &TrafficLog, stream: &mut S, log: &StreamLog,
//! #     client: std::net::SocketAddr, local: std::net::SocketAddr) {
//! fe.log_start(Some(client), Some(local), 1); // TCP: at accept; HTTP: per request
//! if fe.logs_at_end() {
//!     // ... the engine fills `log` while the stream runs ...
//!     fe.log_end(stream, log, 78, None::<Level>).await;
//! }
//! # }
//! ```

pub mod clock;
pub mod frame;
pub mod htx_size;
pub mod loggers;
pub mod lua;
pub mod sink;
pub mod traffic;

pub use clock::LogTime;
pub use loggers::{Dest, LogSettings, LogSetup, Loggers, Target};
pub use lua::{LuaLogContext, LuaLogPolicy};
pub use traffic::TrafficLog;

#[cfg(test)]
mod tests {
    /// Built once, shared by every worker thread.
    #[test]
    fn loggers_are_send_and_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<super::Loggers>();
        check::<super::TrafficLog>();
        check::<super::LogSetup>();
    }
}
