//! `server <name> <addr>[:port] [weight N] [maxconn N] [backup] [disabled] [enabled]`.
//! HAProxy's other server options are refused by name; messages use HAProxy's
//! `[file:line] : 'server be/name' : ...` layout.

use super::address::{self, AddrRules, Parsed};
use super::diag::Form;
use super::keywords;
use super::line::Line;
use super::model::{ProxyKind, Server, ServerAddr};
use super::parser::Parser;
use super::suggest;

pub(crate) fn parse(p: &mut Parser, line: &Line) {
    let loc = &line.loc;
    let words = &line.words;
    let Some((proxy, _)) = p.current() else {
        return;
    };
    if proxy.kind == ProxyKind::Defaults {
        p.alert(
            loc,
            Form::Bracket,
            "'server' not allowed in 'defaults' section.",
        );
        return;
    }
    if !proxy.caps.backend {
        let msg = format!(
            "'server' not allowed because {} '{}' has no backend capability.",
            proxy.kind.type_str(),
            proxy.name
        );
        p.alert(loc, Form::BracketParsing, msg);
        return;
    }
    let be = proxy.name.clone();
    if words.len() < 3 {
        p.alert(
            loc,
            Form::Bracket,
            "'server' expects <name> and <addr>[:<port>] as arguments.",
        );
        return;
    }
    let name = &words[1];
    let text = &words[2];
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
    {
        p.alert(
            loc,
            Form::Bracket,
            format!("character '{c}' is not permitted in server name '{name}'."),
        );
        return;
    }
    let rules = AddrRules {
        listener: false,
        dgram: false,
    };
    let addr = match address::parse(text, rules) {
        Ok(Parsed::Unix(path)) => ServerAddr::Unix(path),
        Ok(Parsed::Inet { host, ip, ports }) => ServerAddr::Inet {
            host,
            ip,
            port: ports.map(|(p, _)| p).filter(|p| *p != 0),
        },
        Err(msg) => {
            p.alert(loc, Form::Bracket, format!("'server {be}/{name}' : {msg}"));
            return;
        }
    };
    let mut server = Server {
        name: name.clone(),
        addr,
        weight: 1,
        maxconn: None,
        backup: false,
        disabled: false,
        loc: loc.clone(),
    };
    let mut i = 3;
    while i < words.len() {
        let opt = words[i].as_str();
        let value = words.get(i + 1).map(String::as_str).unwrap_or("");
        match opt {
            "weight" => {
                // HAProxy reads it with atol: a missing or non-numeric value is 0.
                let w = super::cint::atol(value);
                if !(0..=256).contains(&w) {
                    p.alert(
                        loc,
                        Form::Bracket,
                        format!(
                            "'server {be}/{name}' : weight of server {name} is not within 0 and 256 ({w}).."
                        ),
                    );
                    return;
                }
                server.weight = w as u32;
                i += 2;
            }
            "maxconn" => {
                let m = super::cint::atol(value).clamp(0, i64::from(u32::MAX)) as u32;
                server.maxconn = (m > 0).then_some(m);
                i += 2;
            }
            "backup" => {
                server.backup = true;
                i += 1;
            }
            "disabled" => {
                server.disabled = true;
                i += 1;
            }
            "enabled" => {
                server.disabled = false;
                i += 1;
            }
            o if keywords::SERVER.contains(&o) => {
                p.alert(
                    loc,
                    Form::Bracket,
                    format!("'server {be}/{name}' : '{o}' is not supported by Halo"),
                );
                return;
            }
            o => {
                let mut m = format!("'server {be}/{name}' : unknown keyword '{o}'");
                match suggest::best_match(o, keywords::SERVER.iter().copied()) {
                    Some(best) => m.push_str(&format!("; did you mean '{best}' maybe ?")),
                    None => m.push('.'),
                }
                p.alert(loc, Form::Bracket, m);
                return;
            }
        }
    }
    if let Some((proxy, _)) = p.current() {
        proxy.servers.push(server);
    }
}
