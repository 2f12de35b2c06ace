//! Where a Lua `Socket:connect` goes: the address forms HAProxy's `str2sa_range` accepts for a
//! Lua socket (`host:port`, `[v6]:port`, `ipv4@`, `ipv6@`, `unix@`, a bare `/path`), plus host
//! names, which Halo resolves asynchronously when connecting (HAProxy refuses them at run
//! time). Pure parsing: no I/O.

use std::net::IpAddr;
use std::path::PathBuf;

/// Which address family a name may resolve to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Any,
    V4,
    V6,
}

impl Family {
    pub fn accepts(self, ip: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// A parsed destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An IP literal or a host name still to resolve.
    Inet {
        host: String,
        port: u16,
        family: Family,
    },
    Unix(PathBuf),
}

impl Target {
    /// The IP address when the host is a literal (no resolution needed).
    pub fn literal_ip(&self) -> Option<IpAddr> {
        match self {
            Target::Inet { host, .. } => host.parse().ok(),
            Target::Unix(_) => None,
        }
    }
}

/// Parses `connect(addr [, port])`'s arguments. A `port` of 0 or less counts as absent, as in
/// HAProxy; the address then has to carry its own. Errors are HAProxy's messages.
pub fn parse(addr: &str, port: Option<i64>) -> Result<Target, String> {
    let port = port.filter(|p| *p > 0);
    // HAProxy appends ':' to the address when a port is given; its messages show that form.
    let shown = if port.is_some() {
        format!("{addr}:")
    } else {
        addr.to_string()
    };
    let cannot_parse = || format!("connect: cannot parse destination address '{shown}'");
    let (family, rest) = if let Some(r) = addr.strip_prefix("ipv4@") {
        (Family::V4, r)
    } else if let Some(r) = addr.strip_prefix("ipv6@") {
        (Family::V6, r)
    } else if let Some(r) = addr.strip_prefix("unix@") {
        return unix_path(r).ok_or_else(cannot_parse);
    } else if addr.starts_with('/') {
        return unix_path(addr).ok_or_else(cannot_parse);
    } else if let Some(i) = addr.find('@') {
        let prefix = &addr[..=i];
        return Err(match prefix {
            "abns@" | "fd@" | "sockpair@" => {
                format!("connect: '{prefix}' addresses are not supported by Halo")
            }
            _ => cannot_parse(),
        });
    } else {
        (Family::Any, addr)
    };
    let (host, port) = match port {
        Some(p) => {
            let p = u16::try_from(p).map_err(|_| format!("connect: invalid port {p}"))?;
            (strip_brackets(rest), p)
        }
        None => split_host_port(rest).ok_or_else(|| {
            if rest.contains(':') {
                cannot_parse()
            } else {
                "connect: port missing".to_string()
            }
        })?,
    };
    if host.is_empty() || host.bytes().any(|b| b.is_ascii_whitespace() || b == 0) {
        return Err(cannot_parse());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && !family.accepts(&ip)
    {
        return Err(cannot_parse());
    }
    Ok(Target::Inet {
        host: host.to_string(),
        port,
        family,
    })
}

fn unix_path(p: &str) -> Option<Target> {
    (!p.is_empty() && !p.contains('\0')).then(|| Target::Unix(PathBuf::from(p)))
}

fn strip_brackets(h: &str) -> &str {
    h.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h)
}

/// `host:port` or `[v6]:port` (the port is the part after the last colon, as in HAProxy).
fn split_host_port(s: &str) -> Option<(&str, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once(']')?;
        (h, p.strip_prefix(':')?)
    } else {
        s.rsplit_once(':')?
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    Some((host, port))
}

/// An address as HAProxy's Lua sockets print it: `ip:port`, `[v6]:port`.
pub fn show(addr: &std::net::SocketAddr) -> String {
    match addr {
        std::net::SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(host: &str, port: u16, family: Family) -> Target {
        Target::Inet {
            host: host.into(),
            port,
            family,
        }
    }

    #[test]
    fn forms() {
        assert_eq!(
            parse("127.0.0.1", Some(80)),
            Ok(inet("127.0.0.1", 80, Family::Any))
        );
        assert_eq!(
            parse("127.0.0.1:81", None),
            Ok(inet("127.0.0.1", 81, Family::Any))
        );
        assert_eq!(
            parse("ipv4@127.0.0.1:81", None),
            Ok(inet("127.0.0.1", 81, Family::V4))
        );
        assert_eq!(parse("[::1]:82", None), Ok(inet("::1", 82, Family::Any)));
        assert_eq!(parse("::1", Some(83)), Ok(inet("::1", 83, Family::Any)));
        assert_eq!(
            parse("ipv6@[::1]", Some(84)),
            Ok(inet("::1", 84, Family::V6))
        );
        assert_eq!(
            parse("localhost", Some(85)),
            Ok(inet("localhost", 85, Family::Any))
        );
        assert_eq!(
            parse("unix@/tmp/x.sock", None),
            Ok(Target::Unix("/tmp/x.sock".into()))
        );
        assert_eq!(parse("/tmp/y", Some(3)), Ok(Target::Unix("/tmp/y".into())));
    }

    #[test]
    fn errors_are_haproxys() {
        assert_eq!(
            parse("127.0.0.1", None).unwrap_err(),
            "connect: port missing"
        );
        assert_eq!(
            parse("127.0.0.1", Some(0)).unwrap_err(),
            "connect: port missing"
        );
        assert_eq!(
            parse("no such host", Some(80)).unwrap_err(),
            "connect: cannot parse destination address 'no such host:'"
        );
        assert_eq!(
            parse("1.2.3.4:x", None).unwrap_err(),
            "connect: cannot parse destination address '1.2.3.4:x'"
        );
        assert_eq!(
            parse("ipv6@127.0.0.1", Some(1)).unwrap_err(),
            "connect: cannot parse destination address 'ipv6@127.0.0.1:'"
        );
        assert_eq!(
            parse("udp@1.2.3.4:5", None).unwrap_err(),
            "connect: cannot parse destination address 'udp@1.2.3.4:5'"
        );
        assert!(parse("abns@x", None).unwrap_err().contains("not supported"));
        assert_eq!(
            parse("1.2.3.4", Some(70000)).unwrap_err(),
            "connect: invalid port 70000"
        );
        assert!(parse("1.2.3.4:0", None).is_err());
        assert!(parse("unix@", None).is_err());
    }

    #[test]
    fn shown_like_haproxy() {
        assert_eq!(show(&"127.0.0.1:5".parse().unwrap()), "127.0.0.1:5");
        assert_eq!(show(&"[::1]:6".parse().unwrap()), "[::1]:6");
    }
}
