//! `option <name>`, `no option <name>` and `default option <name>` in proxies, with HAProxy
//! 2.6's messages. Halo has: httplog [clf], tcplog, dontlognull, forwardfor [except <net>]
//! [header <name>] [if-none], http-keep-alive, http-server-close, httpclose,
//! http-buffer-request.

use std::net::IpAddr;

use super::diag::Form;
use super::keywords;
use super::line::Line;
use super::model::{ForwardFor, HttpConnMode};
use super::parser::Parser;
use super::proxy::{Need, cap_ok};

/// `start` is the index of the word `option` (1 after `no`/`default`).
pub(crate) fn parse(p: &mut Parser, line: &Line, start: usize) {
    let loc = &line.loc;
    let words = &line.words[start..];
    let prefix = if start > 0 {
        line.words[0].as_str()
    } else {
        ""
    };
    let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let name = arg(1);
    if name.is_empty() {
        p.alert(loc, Form::ParsingTight, "'option' expects an option name.");
        return;
    }
    let negatable = matches!(
        name,
        "dontlognull"
            | "http-keep-alive"
            | "http-server-close"
            | "httpclose"
            | "http-buffer-request"
    );
    let known = keywords::OPTIONS.contains(&name);
    if !prefix.is_empty() && (!negatable || !known) {
        if known && !matches!(name, "httplog" | "tcplog" | "forwardfor") {
            p.alert(
                loc,
                Form::Parsing,
                format!("'{prefix} option {name}' is not supported by Halo"),
            );
        } else {
            p.alert(
                loc,
                Form::ParsingTight,
                format!("negation/default is not supported for option '{name}'."),
            );
        }
        return;
    }
    let too_many = |p: &mut Parser, n: usize| -> bool {
        if words.len() > n + 2 {
            p.alert(
                loc,
                Form::Parsing,
                format!(
                    "'option {name}' cannot handle unexpected argument '{}'.",
                    words[n + 2]
                ),
            );
            return true;
        }
        false
    };
    let enable = prefix.is_empty();
    match name {
        "dontlognull" => {
            if too_many(p, 0) || !cap_ok(p, loc, name, Need::Frontend, "") {
                return;
            }
            with(p, |o| o.options.dontlognull = enable);
        }
        "http-buffer-request" => {
            if too_many(p, 0) {
                return;
            }
            with(p, |o| o.options.http_buffer_request = enable);
        }
        "http-keep-alive" | "http-server-close" | "httpclose" => {
            if too_many(p, 0) {
                return;
            }
            let mode = match name {
                "http-keep-alive" => HttpConnMode::KeepAlive,
                "http-server-close" => HttpConnMode::ServerClose,
                _ => HttpConnMode::Close,
            };
            with(p, |o| {
                if enable {
                    o.options.http_conn_mode = mode;
                } else if o.options.http_conn_mode == mode {
                    o.options.http_conn_mode = HttpConnMode::KeepAlive;
                }
            });
        }
        "httplog" | "tcplog" => {
            let clf = if name == "httplog" {
                match arg(2) {
                    "" => false,
                    "clf" => {
                        if too_many(p, 1) {
                            return;
                        }
                        true
                    }
                    _ => {
                        p.alert(
                            loc,
                            Form::Parsing,
                            "keyword 'httplog' only supports option 'clf'.",
                        );
                        return;
                    }
                }
            } else {
                if too_many(p, 0) {
                    return;
                }
                false
            };
            let Some((proxy, _)) = p.current() else {
                return;
            };
            // HAProxy warns in a backend, and still records the option (its later checks
            // speak about it).
            let warning = (!proxy.caps.frontend).then(|| {
                format!(
                    "{} '{}' : 'option {name}' directive is ignored in backends.",
                    proxy.kind.type_str(),
                    proxy.name
                )
            });
            let o = &mut proxy.options;
            o.log_format_loc = Some(loc.clone());
            if name == "httplog" {
                o.httplog = true;
                o.httplog_clf = clf;
                o.tcplog = false;
            } else {
                o.tcplog = true;
                o.httplog = false;
            }
            if let Some(msg) = warning {
                p.warn(loc, Form::Parsing, msg);
            }
        }
        "forwardfor" => match forwardfor(&words[2..]) {
            Ok(ff) => with(p, |o| o.options.forwardfor = Some(ff)),
            Err(msg) => p.alert(loc, Form::Parsing, msg),
        },
        n if known => {
            p.alert(
                loc,
                Form::Parsing,
                format!("'option {n}' is not supported by Halo"),
            );
        }
        n => p.alert(loc, Form::Parsing, format!("unknown option '{n}'.")),
    }
}

fn with(p: &mut Parser, f: impl FnOnce(&mut super::model::Proxy)) {
    if let Some((proxy, _)) = p.current() {
        f(proxy);
    }
}

fn forwardfor(args: &[String]) -> Result<ForwardFor, String> {
    let mut ff = ForwardFor {
        except: None,
        header: "X-Forwarded-For".to_string(),
        if_none: false,
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "except" => {
                let net = args.get(i + 1).map(String::as_str).unwrap_or("");
                ff.except = Some(parse_net(net).ok_or_else(|| {
                    "'option forwardfor except' expects <address>[/mask] as argument.".to_string()
                })?);
                i += 2;
            }
            "header" => {
                let h = args.get(i + 1).map(String::as_str).unwrap_or("");
                if h.is_empty() {
                    return Err(
                        "'option forwardfor header' expects <header_name> as argument.".into(),
                    );
                }
                ff.header = h.to_string();
                i += 2;
            }
            "if-none" => {
                ff.if_none = true;
                i += 1;
            }
            _ => {
                return Err("'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.".into());
            }
        }
    }
    Ok(ff)
}

/// `addr[/len]` or `addr/dotted-mask` (IPv4), `addr6[/len]`.
fn parse_net(s: &str) -> Option<(IpAddr, u8)> {
    let (a, m) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let ip: IpAddr = a.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match m {
        None => max,
        Some(m) => match m.parse::<u8>() {
            Ok(l) if l <= max => l,
            Ok(_) => return None,
            Err(_) => {
                // A dotted IPv4 mask made of leading ones.
                let mask: std::net::Ipv4Addr = m.parse().ok()?;
                let bits = u32::from(mask);
                if !ip.is_ipv4() || bits.leading_ones() + bits.trailing_zeros() != 32 {
                    return None;
                }
                bits.leading_ones() as u8
            }
        },
    };
    Some((ip, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let v4 = |s: &str| parse_net(s).map(|(ip, l)| (ip.to_string(), l));
        assert_eq!(v4("10.0.0.0/8"), Some(("10.0.0.0".into(), 8)));
        assert_eq!(v4("10.0.0.0/255.0.0.0"), Some(("10.0.0.0".into(), 8)));
        assert_eq!(v4("127.0.0.1"), Some(("127.0.0.1".into(), 32)));
        assert_eq!(v4("::1/128"), Some(("::1".into(), 128)));
        assert_eq!(v4("1.2.3.4/99"), None);
        assert_eq!(v4("1.2.3.4/255.0.255.0"), None);
        assert_eq!(v4("nonsense"), None);
    }
}
