//! `bind <addr>[,<addr>...] [options]`: one line, several addresses (IPv4, IPv6, `*`, unix
//! sockets), several lines per section. Halo has no bind options yet: HAProxy's are refused by
//! name, unknown words get HAProxy's message.

use super::address::{self, AddrRules, Parsed};
use super::diag::Form;
use super::keywords;
use super::line::Line;
use super::model::{Bind, BindAddr, ProxyKind};
use super::parser::Parser;
use super::proxy::{Need, cap_ok};
use super::suggest;

pub(crate) fn parse(p: &mut Parser, line: &Line) {
    let loc = &line.loc;
    let Some((proxy, _)) = p.current() else {
        return;
    };
    let kind = proxy.kind;
    if kind == ProxyKind::Defaults {
        p.alert(
            loc,
            Form::Parsing,
            "'bind' not allowed in 'defaults' section.",
        );
        return;
    }
    if !cap_ok(p, loc, "bind", Need::Frontend, "") {
        return;
    }
    let text = line.words.get(1).map(String::as_str).unwrap_or("");
    if text.is_empty() {
        p.alert(
            loc,
            Form::Parsing,
            "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.",
        );
        return;
    }
    let rules = AddrRules {
        listener: true,
        dgram: false,
    };
    let mut addrs = Vec::new();
    // A comma ending the list is allowed; any other empty entry is an error.
    let list = text.strip_suffix(',').unwrap_or(text);
    for part in list.split(',') {
        if part.is_empty() {
            p.alert(
                loc,
                Form::Parsing,
                "'bind' : '' resolves to an empty address (environment variable missing?)",
            );
            return;
        }
        match address::parse(part, rules) {
            Ok(Parsed::Unix(path)) => addrs.push(BindAddr::Unix(path)),
            Ok(Parsed::Inet {
                ip: Some(ip),
                ports: Some((lo, hi)),
                ..
            }) => addrs.push(BindAddr::Inet {
                addr: ip,
                ports: lo..=hi,
            }),
            Ok(_) => {
                p.alert(
                    loc,
                    Form::Parsing,
                    format!("'bind' : invalid address: '{part}' in '{part}'"),
                );
                return;
            }
            Err(msg) => {
                // The bind parser prints these without their trailing newline.
                p.alert(
                    loc,
                    Form::Parsing,
                    format!("'bind' : {}", msg.trim_end_matches('\n')),
                );
                return;
            }
        }
    }
    if let Some(opt) = line.words.get(2) {
        let section = kind.keyword();
        let msg = if keywords::BIND.contains(&opt.as_str()) {
            format!("'bind {text}' in section '{section}' : '{opt}' is not supported by Halo")
        } else {
            let mut m = format!("'bind {text}' in section '{section}': unknown keyword '{opt}'");
            match suggest::best_match(opt, keywords::BIND.iter().copied()) {
                Some(best) => m.push_str(&format!("; did you mean '{best}' maybe ?")),
                None => m.push('.'),
            }
            m
        };
        p.alert(loc, Form::Parsing, msg);
        return;
    }
    if let Some((proxy, _)) = p.current() {
        proxy.binds.push(Bind {
            addrs,
            text: text.to_string(),
            loc: loc.clone(),
        });
    }
}
