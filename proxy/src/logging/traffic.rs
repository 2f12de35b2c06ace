//! The traffic log of a frontend: which line a stream produces and when, HAProxy 2.6's
//! `stream_new` / `strm_log` rules (checked against haproxy 2.6.12):
//!
//! - nothing at all when the frontend has no `log` target;
//! - no `option httplog|tcplog` (and so no log format): one line when the stream starts,
//!   `Connect from <ip>:<port> to <ip>:<port> (<frontend>/HTTP|TCP)` (`Connect to unix:<n>
//!   (...)` on a unix listener), and nothing at its end; in HTTP mode a stream is one request,
//!   so a keep-alive connection logs one such line per request;
//! - `option httplog` (in `mode http`; a TCP frontend falls back to `tcplog` as HAProxy warns)
//!   / `option httplog clf` / `option tcplog`: one line when the stream ends, in that format;
//! - `option dontlognull`: no end line for a stream that received no byte from the client
//!   (an HTTP connection closed before any request never becomes a stream at all);
//! - the level is `info`, or what `set-log-level` / `txn:set_loglevel` chose.
//!
//! The line goes to the frontend's targets.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::config::model::{Mode, Proxy};
use crate::log::Level;
use crate::sample::logformat::{LogFormat, StreamLog};
use crate::sample::source::LuaSamples;

use super::loggers::Loggers;

/// HAProxy 2.6's `option httplog clf` format.
pub const CLF_HTTPLOG_FORMAT: &str = "%{+Q}o %{-Q}ci - - [%trg] %r %ST %B \"\" \"\" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl";

/// The frontend's traffic-log decision, built once per frontend.
#[derive(Clone, Debug)]
pub struct TrafficLog {
    loggers: Loggers,
    format: Option<Arc<LogFormat>>,
    dontlognull: bool,
    http: bool,
    name: String,
}

impl TrafficLog {
    /// For the frontend (or listen) section `p`, whose targets are `loggers`.
    pub fn new(p: &Proxy, loggers: Loggers) -> TrafficLog {
        let http = p.mode == Mode::Http;
        let o = &p.options;
        let format = if o.httplog && http {
            Some(if o.httplog_clf {
                LogFormat::parse_log(CLF_HTTPLOG_FORMAT, &Default::default())
                    .expect("built-in format")
            } else {
                LogFormat::httplog()
            })
        } else if o.httplog || o.tcplog {
            Some(LogFormat::tcplog())
        } else {
            None
        };
        TrafficLog {
            loggers,
            format: format.map(Arc::new),
            dontlognull: o.dontlognull,
            http,
            name: p.name.clone(),
        }
    }

    pub fn loggers(&self) -> &Loggers {
        &self.loggers
    }

    /// Whether streams of this frontend log anything (the engine may skip filling
    /// `StreamLog` otherwise).
    pub fn is_enabled(&self) -> bool {
        !self.loggers.is_empty()
    }

    /// Whether an end-of-stream line is wanted (the engine keeps a `StreamLog` for it).
    pub fn logs_at_end(&self) -> bool {
        self.is_enabled() && self.format.is_some()
    }

    /// The line to send when a stream starts (TCP: at accept; HTTP: for each request), if
    /// any. `listener_id` is the bind's number in its frontend (from 1), for unix sockets.
    pub fn start_line(
        &self,
        client: Option<SocketAddr>,
        local: Option<SocketAddr>,
        listener_id: u32,
    ) -> Option<Vec<u8>> {
        if !self.is_enabled() || self.format.is_some() {
            return None;
        }
        let mode = if self.http { "HTTP" } else { "TCP" };
        Some(
            match client {
                Some(c) => {
                    let (sn, sp) = match local {
                        Some(l) => (l.ip().to_string(), l.port()),
                        None => ("undetermined address".to_string(), 0),
                    };
                    format!(
                        "Connect from {}:{} to {sn}:{sp} ({}/{mode})",
                        c.ip(),
                        c.port(),
                        self.name
                    )
                }
                None => format!("Connect to unix:{listener_id} ({}/{mode})", self.name),
            }
            .into_bytes(),
        )
    }

    /// Sends `start_line`'s line, if any, at `info`.
    pub fn log_start(
        &self,
        client: Option<SocketAddr>,
        local: Option<SocketAddr>,
        listener_id: u32,
    ) {
        if let Some(line) = self.start_line(client, local, listener_id) {
            self.loggers.send(Level::Info, &line);
        }
    }

    /// Whether a finished stream that received `req_bytes` from the client is logged.
    pub fn logs_end_of(&self, req_bytes: u64) -> bool {
        self.logs_at_end() && !(self.dontlognull && req_bytes == 0)
    }

    /// The traffic line of a finished stream, rendered over the stream's samples, or `None`
    /// when none is due. `log.log_counter` etc. are the engine's to fill.
    pub async fn end_line<S: LuaSamples>(
        &self,
        src: &mut S,
        log: &StreamLog,
        req_bytes: u64,
    ) -> Option<Vec<u8>> {
        if !self.logs_end_of(req_bytes) {
            return None;
        }
        let f = self.format.as_ref()?;
        let line = f.render(src, log).await;
        // HAProxy builds the line into a `max_syslog_len` buffer and sends nothing when empty.
        (!line.is_empty()).then_some(line)
    }

    /// Renders and sends the traffic line of a finished stream at `info` (or `level`, from
    /// `set-log-level`). Returns whether a line was sent.
    pub async fn log_end<S: LuaSamples>(
        &self,
        src: &mut S,
        log: &StreamLog,
        req_bytes: u64,
        level: Option<Level>,
    ) -> bool {
        match self.end_line(src, log, req_bytes).await {
            Some(line) => {
                self.loggers.send(level.unwrap_or(Level::Info), &line);
                true
            }
            None => false,
        }
    }
}
