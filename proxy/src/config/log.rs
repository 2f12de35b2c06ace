//! The `log` keyword (global and proxies), as HAProxy 2.6's `parse_logsrv()` reads it:
//! `log <target> [len <n>] [format <fmt>] <facility> [<level> [<minlevel>]]`, `log global`,
//! `no log`. Messages are HAProxy's (the caller adds `parsing [f:l] : `).

use std::net::SocketAddr;

use super::address::{self, AddrRules, Parsed};
use super::line::Loc;
use super::model::{FACILITIES, Facility, LogDest, LogFormat, LogLevel, LogTarget};

pub enum LogDirective {
    Target(LogTarget),
    /// `log global` (proxies only).
    Global,
}

/// `words[0]` is `log`. `in_proxy` changes the usage text like HAProxy's.
pub fn parse(words: &[String], loc: &Loc, in_proxy: bool) -> Result<LogDirective, String> {
    let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if arg(1) == "global" && words.len() == 2 {
        if !in_proxy {
            return Err("log : 'global' is not supported for a global syslog server".into());
        }
        return Ok(LogDirective::Global);
    }
    let usage = || {
        format!(
            "log : expects <address> and <facility> {} as arguments",
            if in_proxy { "or global" } else { "" }
        )
    };
    if words.len() < 3 {
        return Err(usage());
    }
    let target = arg(1);
    let mut i = 2;
    let mut max_len = None;
    let mut format = LogFormat::Rfc3164;
    loop {
        match arg(i) {
            "len" => {
                let v = arg(i + 1);
                let n = super::cint::atol(v);
                if !(80..=65535).contains(&n) {
                    return Err(format!(
                        "log : invalid log length '{v}', must be between 80 and 65535"
                    ));
                }
                max_len = Some(n as u32);
                i += 2;
            }
            "format" => {
                let v = arg(i + 1);
                format = match v {
                    "rfc3164" => LogFormat::Rfc3164,
                    "rfc5424" => LogFormat::Rfc5424,
                    "short" => LogFormat::Short,
                    "raw" => LogFormat::Raw,
                    "timed" => LogFormat::Timed,
                    "iso" => LogFormat::Iso,
                    "local" => LogFormat::Local,
                    "priority" => LogFormat::Priority,
                    _ => return Err(format!("log : unknown log format '{v}'")),
                };
                i += 2;
            }
            "sample" => {
                return Err("log : 'sample' is not supported by Halo".into());
            }
            _ => break,
        }
    }
    if i >= words.len() {
        return Err(usage());
    }
    let fac_name = arg(i);
    let facility = match FACILITIES.iter().position(|f| *f == fac_name) {
        Some(n) => Facility(n as u8),
        None => return Err(format!("log : unknown log facility '{fac_name}'")),
    };
    let mut level = None;
    let mut min_level = None;
    if i + 1 < words.len() {
        let v = arg(i + 1);
        level = Some(
            LogLevel::from_name(v)
                .ok_or_else(|| format!("log : unknown optional log level '{v}'"))?,
        );
    }
    if i + 2 < words.len() {
        let v = arg(i + 2);
        min_level = Some(
            LogLevel::from_name(v)
                .ok_or_else(|| format!("log : unknown optional minimum log level '{v}'"))?,
        );
    }
    if i + 3 < words.len() {
        return Err(format!(
            "log : cannot handle unexpected argument '{}'",
            arg(i + 3)
        ));
    }

    let dest = match target {
        // `stdout`/`stderr` are HAProxy's aliases of `fd@1`/`fd@2`.
        "stdout" | "fd@1" => LogDest::Stdout,
        "stderr" | "fd@2" => LogDest::Stderr,
        t if t.starts_with("ring@") => {
            return Err(format!(
                "log : ring buffers ('{t}') are not supported by Halo"
            ));
        }
        t => {
            let rules = AddrRules {
                listener: false,
                dgram: true,
            };
            match address::parse(t, rules).map_err(|e| format!("log : {e}"))? {
                Parsed::Unix(p) => LogDest::Unix(p),
                Parsed::Inet { ip, ports, .. } => {
                    let Some(ip) = ip else {
                        return Err(format!("log : invalid address: '{t}' in '{t}'\n"));
                    };
                    let port = match ports {
                        Some((p, _)) if p != 0 => p,
                        _ => 514,
                    };
                    LogDest::Udp(SocketAddr::new(ip, port))
                }
            }
        }
    };
    Ok(LogDirective::Target(LogTarget {
        dest,
        format,
        max_len,
        facility,
        level,
        min_level,
        loc: loc.clone(),
    }))
}
