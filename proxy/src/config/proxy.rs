//! Keywords of `defaults`, `frontend`, `backend` and `listen` (HAProxy 2.6's
//! `cfg_parse_listen` and the keyword parsers it calls), with HAProxy's messages, capability
//! warnings and rule-order warnings. Rule lines are stored raw, in order.

use super::diag::Form;
use super::keywords;
use super::line::{Line, Loc};
use super::log::{self, LogDirective};
use super::model::{Balance, Mode, Proxy, ProxyKind};
use super::parser::Parser;
use super::suggest;
use super::time::{self, TimeError};

/// What the capability check of a keyword looks at.
#[derive(Clone, Copy)]
pub(crate) enum Need {
    Frontend,
    Backend,
}

pub(crate) fn parse(p: &mut Parser, line: &Line) {
    let loc = &line.loc;
    let words = &line.words;
    let kw = words[0].as_str();
    let Some((proxy, _)) = p.current() else {
        return;
    };
    let kind = proxy.kind;
    let name = proxy.name.clone();
    let arg = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    match kw {
        "no" | "default" => match arg(1) {
            "option" => super::option::parse(p, line, 1),
            "log" if kw == "no" => {
                if words.len() > 2 {
                    p.alert(
                        loc,
                        Form::Parsing,
                        "log : 'no log' does not expect arguments",
                    );
                    return;
                }
                if let Some((proxy, _)) = p.current() {
                    proxy.logs.clear();
                    proxy.log_global = false;
                }
            }
            other => {
                p.alert(
                        loc,
                        Form::ParsingTight,
                        "negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.",
                    );
                if !other.is_empty() {
                    let sub = Line {
                        loc: loc.clone(),
                        words: words[1..].to_vec(),
                    };
                    parse(p, &sub);
                }
            }
        },
        "option" => super::option::parse(p, line, 0),
        "mode" => {
            let mode = match arg(1) {
                "http" => Mode::Http,
                "tcp" => Mode::Tcp,
                other => {
                    p.alert(loc, Form::Parsing, format!("unknown proxy mode '{other}'."));
                    return;
                }
            };
            if too_many(p, line, 1) {
                return;
            }
            with(p, |px| px.mode = mode);
        }
        "bind" => super::bind::parse(p, line),
        "server" => super::server::parse(p, line),
        "timeout" => timeout(p, line),
        "maxconn" => {
            if !cap_ok(
                p,
                loc,
                kw,
                Need::Frontend,
                " Maybe you want 'fullconn' instead ?",
            ) {
                return;
            }
            if arg(1).is_empty() {
                p.alert(loc, Form::Parsing, "'maxconn' expects an integer argument.");
                return;
            }
            if too_many(p, line, 1) {
                return;
            }
            let v = super::cint::atol(arg(1)).clamp(0, i64::from(u32::MAX)) as u32;
            with(p, |px| px.maxconn = (v != 0).then_some(v));
        }
        "retries" => {
            if !cap_ok(p, loc, kw, Need::Backend, "") {
                return;
            }
            if arg(1).is_empty() {
                p.alert(
                    loc,
                    Form::Parsing,
                    "'retries' expects an integer argument (dispatch counts for one).",
                );
                return;
            }
            if too_many(p, line, 1) {
                return;
            }
            let v = super::cint::atol(arg(1)).clamp(0, i64::from(u32::MAX)) as u32;
            with(p, |px| px.retries = v);
        }
        "balance" => {
            if !cap_ok(p, loc, kw, Need::Backend, "") {
                return;
            }
            let algo = arg(1);
            let b = match algo {
                "roundrobin" => Balance::RoundRobin,
                "leastconn" => Balance::LeastConn,
                "first" => Balance::First,
                "source" => Balance::Source,
                a if a == "random" || (a.starts_with("random(") && a.ends_with(')')) => {
                    Balance::Random
                }
                // HAProxy 2.6 accepts a `balance` line without algorithm and changes nothing.
                "" => return,
                a if [
                    "static-rr",
                    "uri",
                    "url_param",
                    "hash",
                    "log-hash",
                    "sticky",
                ]
                .contains(&a)
                    || a.starts_with("hdr(")
                    || a.starts_with("rdp-cookie") =>
                {
                    p.alert(
                        loc,
                        Form::Parsing,
                        format!("'balance {a}' is not supported by Halo"),
                    );
                    return;
                }
                _ => {
                    p.alert(
                        loc,
                        Form::Parsing,
                        "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.",
                    );
                    return;
                }
            };
            with(p, |px| px.balance = b);
        }
        "description" => {
            if kind == ProxyKind::Defaults {
                p.alert(
                    loc,
                    Form::ParsingTight,
                    "'description' not allowed in 'defaults' section.",
                );
                return;
            }
            if words.len() < 2 {
                p.alert(
                    loc,
                    Form::ParsingTight,
                    "'description' expects a string argument.",
                );
                return;
            }
            let d = words[1..].join(" ");
            with(p, |px| px.description = Some(d));
        }
        "default_backend" => {
            if !cap_ok(p, loc, kw, Need::Frontend, "") {
                return;
            }
            if arg(1).is_empty() {
                p.alert(
                    loc,
                    Form::Parsing,
                    "'default_backend' expects a backend name.",
                );
                return;
            }
            if too_many(p, line, 1) {
                return;
            }
            let be = (arg(1).to_string(), loc.clone());
            with(p, |px| px.default_backend = Some(be));
        }
        "log" => {
            let global_logs = p.config.global.logs.clone();
            match log::parse(words, loc, true) {
                Ok(LogDirective::Global) => with(p, |px| {
                    px.log_global = true;
                    px.logs.extend(global_logs);
                }),
                Ok(LogDirective::Target(t)) => with(p, |px| px.logs.push(t)),
                Err(msg) => p.alert(loc, Form::Parsing, msg),
            }
        }
        "acl"
        | "use_backend"
        | "tcp-request"
        | "tcp-response"
        | "http-request"
        | "http-response"
        | "http-after-response" => rule(p, line, kind, &name),
        "unique-id-format" | "unique-id-header" => {
            if arg(1).is_empty() {
                p.alert(loc, Form::Parsing, format!("{kw} expects an argument."));
                return;
            }
            if line.words.len() > 2 {
                let what = if kw == "unique-id-format" {
                    format!("{kw} expects only one argument, don't forget to escape spaces!")
                } else {
                    format!("{kw} expects only one argument.")
                };
                p.alert(loc, Form::Parsing, what);
                return;
            }
            with(p, |px| px.rules.unique_id.push(line.clone()));
        }
        k if keywords::PROXY.contains(&k) => {
            p.alert(
                loc,
                Form::Parsing,
                format!("'{k}' is not supported by Halo"),
            );
        }
        k => {
            let mut msg = format!("unknown keyword '{k}' in '{}' section", kind.keyword());
            if let Some(best) = suggest::best_match(k, keywords::PROXY.iter().copied()) {
                msg.push_str(&format!("; did you mean '{best}' maybe ?"));
            }
            p.alert(loc, Form::Parsing, msg);
        }
    }
}

/// Applies `f` to the current section's proxy.
fn with(p: &mut Parser, f: impl FnOnce(&mut Proxy)) {
    if let Some((proxy, _)) = p.current() {
        f(proxy);
    }
}

/// HAProxy's `alertif_too_many_args(n)`.
pub(crate) fn too_many(p: &mut Parser, line: &Line, n: usize) -> bool {
    if line.words.len() > n + 1 {
        p.alert(
            &line.loc,
            Form::Parsing,
            format!(
                "'{}' cannot handle unexpected argument '{}'.",
                line.words[0],
                line.words[n + 1]
            ),
        );
        return true;
    }
    false
}

/// HAProxy's `warnifnotcap()`: a keyword for the other side is ignored with a warning.
/// Returns whether the keyword applies.
pub(crate) fn cap_ok(p: &mut Parser, loc: &Loc, what: &str, need: Need, hint: &str) -> bool {
    let Some((proxy, _)) = p.current() else {
        return false;
    };
    let (has, cap) = match need {
        Need::Frontend => (proxy.caps.frontend, "frontend"),
        Need::Backend => (proxy.caps.backend, "backend"),
    };
    if has {
        return true;
    }
    let msg = format!(
        "'{what}' ignored because {} '{}' has no {cap} capability.{hint}",
        proxy.kind.type_str(),
        proxy.name
    );
    p.warn(loc, Form::Parsing, msg);
    false
}

fn timeout(p: &mut Parser, line: &Line) {
    let loc = &line.loc;
    let arg = |i: usize| line.words.get(i).map(String::as_str).unwrap_or("");
    let sub = arg(1);
    // (name, frontend side, backend side)
    let (fe, be) = match sub {
        "client" | "client-fin" => (true, false),
        "tarpit" | "http-keep-alive" | "http-request" => (true, true),
        "server" | "server-fin" | "connect" | "check" | "queue" | "tunnel" => (false, true),
        _ => {
            p.alert(
                loc,
                Form::Parsing,
                format!(
                    "'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '{sub}')"
                ),
            );
            return;
        }
    };
    let value = arg(2);
    if value.is_empty() {
        p.alert(
            loc,
            Form::Parsing,
            format!("'timeout {sub}' expects an integer value (in milliseconds)"),
        );
        return;
    }
    let ms = match time::parse_ms(value) {
        Ok((ms, trailing)) => {
            if let Some(c) = trailing {
                p.warn_plain(loc, time::trailing_warning(c, value));
            }
            ms
        }
        Err(TimeError::BadChar(c)) => {
            p.alert(
                loc,
                Form::Parsing,
                format!("unexpected character '{c}' in 'timeout {sub}'"),
            );
            return;
        }
        Err(TimeError::Overflow) => {
            p.alert(
                loc,
                Form::Parsing,
                format!(
                    "timer overflow in argument '{value}' to 'timeout {sub}' (maximum value is 2147483647 ms or ~24.8 days)"
                ),
            );
            return;
        }
        Err(TimeError::Underflow) => {
            p.alert(
                loc,
                Form::Parsing,
                format!(
                    "timer underflow in argument '{value}' to 'timeout {sub}' (minimum non-null value is 1 ms)"
                ),
            );
            return;
        }
    };
    // The value inherited from the defaults section, to tell a redefinition from it.
    let defaults_index = match p.current() {
        Some((proxy, _)) => proxy.defaults_index,
        None => return,
    };
    let inherited =
        defaults_index.and_then(|i| *timeout_slot(&mut p.config.defaults[i].timeouts, sub));
    let Some((proxy, _)) = p.current() else {
        return;
    };
    if !((fe && proxy.caps.frontend) || (be && proxy.caps.backend)) {
        let cap = if fe { "frontend" } else { "backend" };
        let msg = format!(
            "'timeout {sub}' will be ignored because {} '{}' has no {cap} capability",
            proxy.kind.type_str(),
            proxy.name
        );
        p.warn(loc, Form::Parsing, msg);
        return;
    }
    // HAProxy compares with the defaults section's value; in a defaults section that is the
    // section itself, so it never warns there.
    let in_defaults = proxy.kind == ProxyKind::Defaults;
    let slot = timeout_slot(&mut proxy.timeouts, sub);
    let overwriting = *slot != inherited && !in_defaults;
    *slot = Some(ms);
    if overwriting {
        p.warn(
            loc,
            Form::Parsing,
            format!("overwriting 'timeout {sub}' which was already specified"),
        );
    }
    // HAProxy stores the value before it refuses extra words.
    if line.words.len() > 3 {
        p.alert(
            loc,
            Form::Parsing,
            format!(
                "'timeout {sub}' : unexpected extra argument '{}' after value '{value}'.",
                line.words[3]
            ),
        );
    }
}

fn timeout_slot<'a>(t: &'a mut super::model::Timeouts, sub: &str) -> &'a mut Option<u32> {
    match sub {
        "client" => &mut t.client,
        "client-fin" => &mut t.client_fin,
        "tarpit" => &mut t.tarpit,
        "http-keep-alive" => &mut t.http_keep_alive,
        "http-request" => &mut t.http_request,
        "server" => &mut t.server,
        "server-fin" => &mut t.server_fin,
        "connect" => &mut t.connect,
        "check" => &mut t.check,
        "queue" => &mut t.queue,
        _ => &mut t.tunnel,
    }
}

/// Rule lines: where they are allowed, HAProxy's order warnings, then stored raw.
fn rule(p: &mut Parser, line: &Line, kind: ProxyKind, name: &str) {
    let loc = &line.loc;
    let kw = line.words[0].as_str();
    let sub = line.words.get(1).map(String::as_str).unwrap_or("");
    let anonymous_defaults = kind == ProxyKind::Defaults && name.is_empty();
    let Some((proxy, _)) = p.current() else {
        return;
    };
    let caps = proxy.caps;
    let type_str = proxy.kind.type_str();
    match kw {
        "acl" | "http-request" | "http-response" | "http-after-response" if anonymous_defaults => {
            p.alert(
                loc,
                Form::Parsing,
                format!("'{kw}' not allowed in anonymous 'defaults' section."),
            );
            return;
        }
        "use_backend" => {
            if kind == ProxyKind::Defaults {
                p.alert(
                    loc,
                    Form::Parsing,
                    "'use_backend' not allowed in 'defaults' section.",
                );
                return;
            }
            if !cap_ok(p, loc, kw, Need::Frontend, "") {
                if let Some((_, seen)) = p.current() {
                    seen.use_backend = true;
                }
                return;
            }
            if sub.is_empty() {
                p.alert(loc, Form::Parsing, "'use_backend' expects a backend name.");
                return;
            }
        }
        "tcp-request" | "tcp-response" => {
            let what = if kind == ProxyKind::Defaults {
                "defaults".to_string()
            } else {
                format!("{type_str} '{name}'")
            };
            if sub.is_empty() {
                p.alert(
                    loc,
                    Form::Parsing,
                    format!("missing argument for '{kw}' in {what}"),
                );
                return;
            }
            if kw == "tcp-request" {
                match sub {
                    "connection" | "session" | "content" | "inspect-delay" => {}
                    _ => {
                        let expects = if caps.frontend {
                            "'inspect-delay', 'connection', or 'content'"
                        } else {
                            "'inspect-delay' or 'content'"
                        };
                        p.alert(
                            loc,
                            Form::Parsing,
                            format!("'{kw}' expects {expects} in {what} (got '{sub}')"),
                        );
                        return;
                    }
                }
                if anonymous_defaults {
                    p.alert(
                        loc,
                        Form::Parsing,
                        format!(
                            "tcp-request {sub} is not allowed in anonymous 'defaults' sections"
                        ),
                    );
                    return;
                }
                if matches!(sub, "connection" | "session") && !caps.frontend {
                    p.alert(
                        loc,
                        Form::Parsing,
                        format!(
                            "tcp-request {sub} is not allowed because {type_str} {name} is not a frontend"
                        ),
                    );
                    return;
                }
            } else {
                match sub {
                    "content" | "inspect-delay" => {}
                    _ => {
                        p.alert(
                            loc,
                            Form::Parsing,
                            format!(
                                "'{kw}' expects 'inspect-delay' or 'content' in {what} (got '{sub}')"
                            ),
                        );
                        return;
                    }
                }
                if !caps.backend || anonymous_defaults {
                    p.alert(
                        loc,
                        Form::Parsing,
                        format!(
                            "tcp-response {sub} is only allowed in 'backend' sections or 'defaults' section with a name"
                        ),
                    );
                    return;
                }
            }
        }
        _ => {}
    }
    order_warnings(p, line);
    let Some((proxy, seen)) = p.current() else {
        return;
    };
    let r = &mut proxy.rules;
    let list = match kw {
        "acl" => &mut r.acl,
        "use_backend" => {
            seen.use_backend = true;
            &mut r.use_backend
        }
        "tcp-request" => {
            match sub {
                "session" => seen.tcp_sess = true,
                "content" => seen.tcp_cont = true,
                _ => {}
            }
            &mut r.tcp_request
        }
        "tcp-response" => &mut r.tcp_response,
        "http-request" => {
            seen.http_req = true;
            &mut r.http_request
        }
        "http-response" => &mut r.http_response,
        _ => &mut r.http_after_response,
    };
    list.push(line.clone());
}

/// HAProxy's `warnif_misplaced_*`: a rule evaluated earlier than one written before it.
fn order_warnings(p: &mut Parser, line: &Line) {
    let kw = line.words[0].as_str();
    let sub = line.words.get(1).map(String::as_str).unwrap_or("");
    let Some((_, seen)) = p.current() else {
        return;
    };
    if let Some(msg) = seen.misplaced(kw, sub) {
        p.warn(&line.loc, Form::Parsing, msg);
    }
}
