//! Socket addresses as HAProxy's `str2sa_range()` reads them for `bind`, `server` and `log`:
//! `[family@]addr[:port[-end]]`, with `*` or nothing for "any", `[v6]:port` or `v6:port` (the
//! last colon starts the port), and unix socket paths (`/path`, `unix@path`). Error texts are
//! HAProxy's (some end in a newline there, which `-c` shows as an empty line: kept).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

/// What the keyword accepts.
#[derive(Clone, Copy, Debug)]
pub struct AddrRules {
    /// `bind`: a port is mandatory, ranges allowed, port 0 refused.
    pub listener: bool,
    /// `log`: datagram addresses (`udp@`) expected.
    pub dgram: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    Inet {
        /// The host part as written (`""` for "any"), resolved in `ip` when it is an address.
        host: String,
        ip: Option<IpAddr>,
        ports: Option<(u16, u16)>,
    },
    Unix(PathBuf),
}

/// Prefixes HAProxy has and Halo does not (named in the error).
const UNSUPPORTED_PREFIXES: &[&str] = &[
    "abns@",
    "fd@",
    "sockpair@",
    "uxst@",
    "uxdg@",
    "quic4@",
    "quic6@",
    "mptcp@",
    "mptcp4@",
    "mptcp6@",
    "rhttp@",
];

pub fn parse(text: &str, rules: AddrRules) -> Result<Parsed, String> {
    for p in UNSUPPORTED_PREFIXES {
        if text.starts_with(p) {
            return Err(format!(
                "'{p}' addresses are not supported by Halo (in '{text}')"
            ));
        }
    }
    let mut family: Option<bool> = None; // Some(true) = IPv6 forced
    let mut rest = text;
    let mut dgram = false;
    let mut stream = false;
    for (prefix, fam, is_dgram) in [
        ("ipv4@", Some(false), None),
        ("ipv6@", Some(true), None),
        ("udp@", None, Some(true)),
        ("udp4@", Some(false), Some(true)),
        ("udp6@", Some(true), Some(true)),
        ("tcp@", None, Some(false)),
        ("tcp4@", Some(false), Some(false)),
        ("tcp6@", Some(true), Some(false)),
    ] {
        if let Some(r) = text.strip_prefix(prefix) {
            rest = r;
            family = fam;
            match is_dgram {
                Some(true) => dgram = true,
                Some(false) => stream = true,
                None => {}
            }
            break;
        }
    }
    if let Some(path) = text.strip_prefix("unix@") {
        return Ok(Parsed::Unix(PathBuf::from(path)));
    }
    if rest.starts_with('/') && rest.len() == text.len() {
        return Ok(Parsed::Unix(PathBuf::from(rest)));
    }
    if dgram && !rules.dgram {
        return Err(format!("dgram-type address not acceptable in '{text}'\n"));
    }
    if stream && rules.dgram {
        return Err(format!("stream-type address not acceptable in '{text}'\n"));
    }

    // Host and port: `[v6]:port`, or split at the last colon.
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        match inner.find(']') {
            Some(end) => {
                let after = &inner[end + 1..];
                match after.strip_prefix(':') {
                    Some(p) => (&inner[..end], Some(p)),
                    None if after.is_empty() => (&inner[..end], None),
                    None => return Err(format!("missing port specification in '{text}'")),
                }
            }
            None => return Err(format!("invalid address: '{rest}' in '{text}'\n")),
        }
    } else {
        match rest.rfind(':') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        }
    };

    let ports = match port {
        None => {
            if rules.listener {
                return Err(format!("missing port specification in '{text}'"));
            }
            None
        }
        Some(p) => Some(parse_ports(p, text, rules)?),
    };

    let host_s = if host == "*" { "" } else { host };
    let ip = if host_s.is_empty() {
        Some(if family == Some(true) {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        })
    } else if let Ok(ip) = host_s.parse::<IpAddr>() {
        match (family, ip) {
            (Some(true), IpAddr::V4(_)) | (Some(false), IpAddr::V6(_)) => {
                return Err(format!("invalid address: '{host}' in '{text}'\n"));
            }
            _ => Some(ip),
        }
    } else if host_s == "localhost" && family != Some(true) {
        // The one name every resolver maps the same way; Halo resolves nothing else while
        // parsing (no I/O here).
        Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
    } else if rules.listener || rules.dgram || family.is_some() {
        return Err(format!("invalid address: '{host}' in '{text}'\n"));
    } else {
        if !is_hostname(host_s) {
            return Err(format!("invalid address: '{host}' in '{text}'\n"));
        }
        None
    };
    Ok(Parsed::Inet {
        host: host_s.to_string(),
        ip,
        ports,
    })
}

fn parse_ports(p: &str, text: &str, rules: AddrRules) -> Result<(u16, u16), String> {
    if p.starts_with('+') || p.starts_with('-') {
        return Err(format!(
            "port offsets ('{p}') are not supported by Halo (in '{text}')"
        ));
    }
    let (lo, hi) = match p.split_once('-') {
        Some((a, b)) => {
            if !rules.listener {
                return Err(format!("port range not permitted here in '{text}'"));
            }
            (a, Some(b))
        }
        None => (p, None),
    };
    let lo_v = port_number(lo, p, text)?;
    let hi_v = match hi {
        Some(h) => port_number(h, p, text)?,
        None => lo_v,
    };
    if rules.listener && lo_v == 0 {
        return Err(format!("invalid port '{lo}'"));
    }
    if hi_v < lo_v {
        return Err(format!("invalid port range '{p}'"));
    }
    Ok((lo_v as u16, hi_v as u16))
}

/// HAProxy's `strl2ic` + range check: digits only, at most 65535.
fn port_number(s: &str, whole: &str, text: &str) -> Result<u32, String> {
    let mut v: u64 = 0;
    for c in s.chars() {
        match c.to_digit(10) {
            Some(d) => v = (v * 10 + u64::from(d)).min(u64::from(u32::MAX)),
            None => {
                return Err(format!(
                    "invalid character '{c}' in port number '{whole}' in '{text}'\n"
                ));
            }
        }
    }
    if v > 65535 {
        return Err(format!("invalid port '{s}'"));
    }
    Ok(v as u32)
}

/// Letters, digits, `-`, `_` and dots between non-empty labels.
fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIND: AddrRules = AddrRules {
        listener: true,
        dgram: false,
    };
    const SERVER: AddrRules = AddrRules {
        listener: false,
        dgram: false,
    };

    fn inet(host: &str, ip: &str, lo: u16, hi: u16) -> Parsed {
        Parsed::Inet {
            host: host.into(),
            ip: Some(ip.parse().unwrap()),
            ports: Some((lo, hi)),
        }
    }

    #[test]
    fn bind_forms() {
        assert_eq!(parse(":::80", BIND), Ok(inet("::", "::", 80, 80)));
        assert_eq!(parse("[::1]:81", BIND), Ok(inet("::1", "::1", 81, 81)));
        assert_eq!(parse("*:82", BIND), Ok(inet("", "0.0.0.0", 82, 82)));
        assert_eq!(parse(":83-85", BIND), Ok(inet("", "0.0.0.0", 83, 85)));
        assert_eq!(parse("ipv6@:84", BIND), Ok(inet("", "::", 84, 84)));
        assert_eq!(
            parse("ipv4@127.0.0.1:85", BIND),
            Ok(inet("127.0.0.1", "127.0.0.1", 85, 85))
        );
        assert_eq!(
            parse("unix@/tmp/s", BIND),
            Ok(Parsed::Unix("/tmp/s".into()))
        );
        assert_eq!(parse("/tmp/s", BIND), Ok(Parsed::Unix("/tmp/s".into())));
    }

    #[test]
    fn bind_errors_match_haproxy() {
        assert_eq!(
            parse("127.0.0.1", BIND).unwrap_err(),
            "missing port specification in '127.0.0.1'"
        );
        assert_eq!(
            parse("1.2.3.4.5:80", BIND).unwrap_err(),
            "invalid address: '1.2.3.4.5' in '1.2.3.4.5:80'\n"
        );
        assert_eq!(parse(":99999", BIND).unwrap_err(), "invalid port '99999'");
        assert_eq!(
            parse(":abc", BIND).unwrap_err(),
            "invalid character 'a' in port number 'abc' in ':abc'\n"
        );
        assert_eq!(
            parse("[::1]80", BIND).unwrap_err(),
            "missing port specification in '[::1]80'"
        );
        assert_eq!(
            parse(":22045-22043", BIND).unwrap_err(),
            "invalid port range '22045-22043'"
        );
        assert_eq!(
            parse("udp@:22050", BIND).unwrap_err(),
            "dgram-type address not acceptable in 'udp@:22050'\n"
        );
        assert_eq!(parse(":0", BIND).unwrap_err(), "invalid port '0'");
    }

    #[test]
    fn server_forms() {
        assert_eq!(
            parse("db.example:5432", SERVER),
            Ok(Parsed::Inet {
                host: "db.example".into(),
                ip: None,
                ports: Some((5432, 5432))
            })
        );
        assert_eq!(
            parse("10.0.0.1", SERVER),
            Ok(Parsed::Inet {
                host: "10.0.0.1".into(),
                ip: Some("10.0.0.1".parse().unwrap()),
                ports: None
            })
        );
        assert_eq!(
            parse("1.2.3.4:80-81", SERVER).unwrap_err(),
            "port range not permitted here in '1.2.3.4:80-81'"
        );
    }
}
