//! The exact bytes one log target receives for one message: HAProxy 2.6's `build_log_header`
//! and the truncation and line ending of `__do_send_log` (datagrams) and
//! `fd_write_frag_line` (stdout/stderr). Pure: no clock, no I/O.
//!
//! Recorded from haproxy 2.6.12 (a UDP receiver on loopback, and `log stdout`):
//! - rfc3164 / local: `<PRI>Nov 21 07:47:28 haproxy[18353]: msg` (no hostname: 2.6 sends one
//!   only with `log-send-hostname`, and `local` never does);
//! - rfc5424: `<PRI>1 2026-11-21T07:47:28.601924+00:00 - haproxy 18353 - - msg`;
//! - timed: `<LEVEL>ISO msg`; iso: `ISO msg`; short: `<LEVEL>msg`; priority: `<PRI>msg`;
//!   raw: `msg` (timed and short carry the level alone, without the facility);
//! - every line ends in `\n`; trailing `\n`/NUL bytes of the message are removed first.
//! - `len N`: a datagram holds at most N bytes of header + message, then the `\n` (N + 1
//!   bytes); a stdout/stderr line is at most N bytes with its `\n`.

use crate::config::model::LogFormat;
use crate::log::Level;

use super::clock::LogTime;

/// What identifies the sender in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The syslog tag (program name). See `LogSettings::tag`.
    pub tag: String,
    pub pid: u32,
    /// Sent only by the rfc3164 and rfc5424 formats, and only when set.
    pub hostname: Option<String>,
}

/// How the target carries lines: one datagram each (UDP, unix socket) or a byte stream
/// (stdout/stderr). They truncate differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Datagram,
    Stream,
}

/// The header for `format` (empty for `raw`).
pub fn header(format: LogFormat, facility: u8, level: Level, meta: &Meta, t: &LogTime) -> String {
    let mut out = Vec::with_capacity(64);
    write_header(&mut out, format, facility, level, meta, t);
    String::from_utf8_lossy(&out).into_owned()
}

fn write_header(
    out: &mut Vec<u8>,
    format: LogFormat,
    facility: u8,
    level: Level,
    meta: &Meta,
    t: &LogTime,
) {
    use std::io::Write;
    let pri = (facility as u32) * 8 + level as u32;
    let lvl = level as u32;
    let host = meta.hostname.as_deref().filter(|h| !h.is_empty());
    // Writing into a Vec cannot fail.
    let _ = match format {
        LogFormat::Rfc3164 | LogFormat::Local => {
            let _ = write!(out, "<{pri}>{} ", t.legacy());
            if let (LogFormat::Rfc3164, Some(host)) = (format, host) {
                let _ = write!(out, "{host} ");
            }
            if meta.tag.is_empty() {
                Ok(())
            } else {
                write!(out, "{}[{}]: ", meta.tag, meta.pid)
            }
        }
        LogFormat::Rfc5424 => {
            let tag = if meta.tag.is_empty() { "-" } else { &meta.tag };
            write!(
                out,
                "<{pri}>1 {} {} {tag} {} - - ",
                t.iso(),
                host.unwrap_or("-"),
                meta.pid
            )
        }
        LogFormat::Timed => write!(out, "<{lvl}>{} ", t.iso()),
        LogFormat::Iso => write!(out, "{} ", t.iso()),
        LogFormat::Short => write!(out, "<{lvl}>"),
        LogFormat::Priority => write!(out, "<{pri}>"),
        LogFormat::Raw => Ok(()),
    };
}

/// Appends to `out` the line a target with this format and `len` gets for `msg`.
#[allow(clippy::too_many_arguments)]
pub fn frame(
    out: &mut Vec<u8>,
    format: LogFormat,
    facility: u8,
    level: Level,
    meta: &Meta,
    t: &LogTime,
    msg: &[u8],
    maxlen: usize,
    framing: Framing,
) {
    let mut size = msg.len();
    while size > 0 && matches!(msg[size - 1], b'\n' | 0) {
        size -= 1;
    }
    let msg = &msg[..size];
    let budget = match framing {
        Framing::Datagram => maxlen,
        // One byte is kept for the '\n'.
        Framing::Stream => maxlen.saturating_sub(1),
    };
    let start = out.len();
    write_header(out, format, facility, level, meta, t);
    out.truncate(start + budget);
    let h = out.len() - start;
    out.extend_from_slice(&msg[..msg.len().min(budget - h)]);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn t() -> LogTime {
        // 2026-11-21 07:47:28.601924 UTC, the moment of the haproxy recording below.
        LogTime::utc(UNIX_EPOCH + Duration::from_micros(1_795_247_248_601_924))
    }

    fn meta() -> Meta {
        Meta {
            tag: "haproxy".into(),
            pid: 18353,
            hostname: None,
        }
    }

    fn line(format: LogFormat, facility: u8, level: Level, msg: &str) -> String {
        let mut out = Vec::new();
        frame(
            &mut out,
            format,
            facility,
            level,
            &meta(),
            &t(),
            msg.as_bytes(),
            1024,
            Framing::Datagram,
        );
        String::from_utf8(out).unwrap()
    }

    /// Every format's bytes, against what haproxy 2.6.12 sent to UDP receivers for
    /// `core.log(core.warning, "core.log in action")` (TZ=UTC; pid and date substituted by
    /// the test's fixed values, everything else byte for byte).
    #[test]
    fn formats_match_haproxy_2_6() {
        let m = "core.log in action";
        let w = Level::Warning;
        assert_eq!(
            line(LogFormat::Rfc3164, 16, w, m),
            "<132>Nov 21 07:47:28 haproxy[18353]: core.log in action\n"
        );
        assert_eq!(
            line(LogFormat::Rfc5424, 17, w, m),
            "<140>1 2026-11-21T07:47:28.601924+00:00 - haproxy 18353 - - core.log in action\n"
        );
        assert_eq!(line(LogFormat::Short, 18, w, m), "<4>core.log in action\n");
        assert_eq!(line(LogFormat::Raw, 19, w, m), "core.log in action\n");
        assert_eq!(
            line(LogFormat::Timed, 20, w, m),
            "<4>2026-11-21T07:47:28.601924+00:00 core.log in action\n"
        );
        assert_eq!(
            line(LogFormat::Iso, 21, w, m),
            "2026-11-21T07:47:28.601924+00:00 core.log in action\n"
        );
        assert_eq!(
            line(LogFormat::Priority, 22, w, m),
            "<180>core.log in action\n"
        );
        assert_eq!(
            line(LogFormat::Local, 1, w, m),
            "<12>Nov 21 07:47:28 haproxy[18353]: core.log in action\n"
        );
        // `/dev/log` with facility daemon.
        assert_eq!(
            line(LogFormat::Rfc3164, 3, w, m),
            "<28>Nov 21 07:47:28 haproxy[18353]: core.log in action\n"
        );
    }

    #[test]
    fn hostname_only_in_syslog_formats() {
        let m = Meta {
            hostname: Some("lb1".into()),
            ..meta()
        };
        let h = |f| header(f, 16, Level::Info, &m, &t());
        assert_eq!(
            h(LogFormat::Rfc3164),
            "<134>Nov 21 07:47:28 lb1 haproxy[18353]: "
        );
        assert_eq!(h(LogFormat::Local), "<134>Nov 21 07:47:28 haproxy[18353]: ");
        assert_eq!(
            h(LogFormat::Rfc5424),
            "<134>1 2026-11-21T07:47:28.601924+00:00 lb1 haproxy 18353 - - "
        );
    }

    #[test]
    fn trailing_newlines_and_nuls_are_dropped() {
        assert_eq!(line(LogFormat::Raw, 16, Level::Info, "a\n\0\n"), "a\n");
        assert_eq!(line(LogFormat::Short, 16, Level::Info, "\n"), "<6>\n");
    }

    /// `len 80`, recorded from haproxy 2.6.12: a datagram is cut at 80 bytes and gets its
    /// `\n` (81 bytes); a stdout line is 80 bytes with its `\n`.
    #[test]
    fn len_truncation_matches_haproxy_2_6() {
        let msg = "Connect from 127.0.0.1:42642 to 127.0.0.1:25081 (fe_http_noopt/HTTP)";
        let mut out = Vec::new();
        let args = (16, Level::Info, meta(), t());
        frame(
            &mut out,
            LogFormat::Rfc3164,
            args.0,
            args.1,
            &args.2,
            &args.3,
            msg.as_bytes(),
            80,
            Framing::Datagram,
        );
        assert_eq!(
            out,
            b"<134>Nov 21 07:47:28 haproxy[18353]: Connect from 127.0.0.1:42642 to 127.0.0.1:2\n"
        );
        let long = format!("L{}E", "x".repeat(1500));
        out.clear();
        frame(
            &mut out,
            LogFormat::Rfc3164,
            16,
            Level::Info,
            &meta(),
            &t(),
            long.as_bytes(),
            80,
            Framing::Stream,
        );
        assert_eq!(out.len(), 80);
        assert!(out.starts_with(b"<134>Nov 21 07:47:28 haproxy[18353]: Lxxx"));
        assert!(out.ends_with(b"xx\n"));
        out.clear();
        frame(
            &mut out,
            LogFormat::Raw,
            16,
            Level::Info,
            &meta(),
            &t(),
            long.as_bytes(),
            100,
            Framing::Datagram,
        );
        assert_eq!(out.len(), 101);
        // A header longer than `len` is cut too.
        out.clear();
        frame(
            &mut out,
            LogFormat::Rfc5424,
            16,
            Level::Info,
            &meta(),
            &t(),
            b"m",
            10,
            Framing::Datagram,
        );
        assert_eq!(out, b"<134>1 202\n");
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use std::time::UNIX_EPOCH;

    /// Any message, length and format frames within bounds and never panics.
    #[test]
    fn any_input_is_bounded() {
        let formats = [
            LogFormat::Rfc3164,
            LogFormat::Rfc5424,
            LogFormat::Short,
            LogFormat::Raw,
            LogFormat::Timed,
            LogFormat::Iso,
            LogFormat::Local,
            LogFormat::Priority,
        ];
        let meta = Meta {
            tag: "haproxy".into(),
            pid: u32::MAX,
            hostname: Some("h".into()),
        };
        let t = LogTime::utc(UNIX_EPOCH);
        let mut seed = 0x2545_f491_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let len = (next() % 300) as usize;
            let msg: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let maxlen = (next() % 200) as usize;
            let format = formats[(next() % 8) as usize];
            let level = Level::ALL[(next() % 8) as usize];
            for framing in [Framing::Datagram, Framing::Stream] {
                let mut out = Vec::new();
                frame(
                    &mut out, format, 23, level, &meta, &t, &msg, maxlen, framing,
                );
                let limit = match framing {
                    Framing::Datagram => maxlen + 1,
                    Framing::Stream => maxlen.max(1),
                };
                assert!(out.len() <= limit, "{} > {limit}", out.len());
                assert_eq!(out.last(), Some(&b'\n'));
            }
        }
    }
}
