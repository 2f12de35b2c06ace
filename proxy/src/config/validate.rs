//! Checks once every file is read (HAProxy's `check_config_validity()`), per proxy in
//! declaration order and in HAProxy's order, with its messages: `option httplog` outside HTTP
//! mode (falls back to tcplog), frontends without `bind`, backends named by
//! `default_backend`/`use_backend` that do not exist, loop or have an incompatible mode,
//! missing timeouts, duplicate server names, log formats without log target, HTTP rules and
//! `option forwardfor` in TCP mode.

use super::diag::{Diagnostic, Form, Severity};
use super::model::{Config, Mode, Proxy};

const MISSING_TIMEOUTS: &str = "   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.";

pub fn check(config: &mut Config) -> Vec<Diagnostic> {
    // The one change the checks make to the model: httplog outside HTTP mode becomes tcplog.
    let fallbacks: Vec<Option<Diagnostic>> =
        config.proxies.iter_mut().map(httplog_fallback).collect();
    let config = &*config;
    let mut out = Vec::new();
    for (px, fallback) in config.proxies.iter().zip(fallbacks) {
        out.extend(fallback);
        check_proxy(config, px, &mut out);
    }
    out
}

fn httplog_fallback(px: &mut Proxy) -> Option<Diagnostic> {
    let o = &mut px.options;
    if !o.httplog || px.mode == Mode::Http {
        return None;
    }
    o.httplog = false;
    o.httplog_clf = false;
    o.tcplog = true;
    let msg = format!(
        "'option httplog' not usable with {} '{}' (needs 'mode http'). Falling back to 'option tcplog'.",
        px.kind.type_str(),
        px.name
    );
    Some(match &o.log_format_loc {
        Some(loc) => Diagnostic::warning(loc, Form::Parsing, msg),
        None => Diagnostic::plain(Severity::Warning, None, msg),
    })
}

fn check_proxy(config: &Config, px: &Proxy, out: &mut Vec<Diagnostic>) {
    let ty = px.kind.type_str();
    let warn = |out: &mut Vec<Diagnostic>, msg: String| {
        out.push(Diagnostic::plain(Severity::Warning, Some(&px.loc), msg));
    };
    if px.caps.frontend && px.binds.is_empty() {
        warn(
            out,
            format!(
                "{ty} '{}' has no 'bind' directive. Please declare it as a backend if this was intended.",
                px.name
            ),
        );
    }
    if px.caps.frontend {
        if let Some((name, loc)) = &px.default_backend {
            backend_ref(
                config,
                px,
                name,
                loc,
                "default_backend",
                "as its default backend",
                out,
            );
        }
        for rule in &px.rules.use_backend {
            // A name built from a log-format expression is resolved per request.
            if let Some(name) = rule.words.get(1).filter(|n| !n.contains("%[")) {
                backend_ref(
                    config,
                    px,
                    name,
                    &rule.loc,
                    "use_backend",
                    "in a 'use_backend' rule",
                    out,
                );
            }
        }
    }
    let t = &px.timeouts;
    let fe_missing = px.caps.frontend && t.client.is_none();
    let be_missing = px.caps.backend
        && !px.servers.is_empty()
        && (t.connect.is_none()
            || (t.server.is_none() && (px.mode == Mode::Http || t.tunnel.is_none())));
    if fe_missing || be_missing {
        warn(
            out,
            format!(
                "missing timeouts for {ty} '{}'.\n{MISSING_TIMEOUTS}",
                px.name
            ),
        );
    }
    for (i, srv) in px.servers.iter().enumerate() {
        if let Some(first) = px.servers[..i].iter().find(|s| s.name == srv.name) {
            out.push(Diagnostic::alert(
                &srv.loc,
                Form::Parsing,
                format!(
                    "{ty} '{}', another server named '{}' was already defined at line {}, please use distinct names.",
                    px.name, srv.name, first.loc.line
                ),
            ));
        }
    }
    if px.caps.frontend && (px.options.httplog || px.options.tcplog) && px.logs.is_empty() {
        warn(
            out,
            format!(
                "log format ignored for {ty} '{}' since it has no log address.",
                px.name
            ),
        );
    }
    if px.mode != Mode::Http {
        let r = &px.rules;
        for (kw, lines) in [
            ("http-request", &r.http_request),
            ("http-response", &r.http_response),
            ("http-after-response", &r.http_after_response),
        ] {
            if !lines.is_empty() {
                warn(
                    out,
                    format!(
                        "'{kw}' rules ignored for {ty} '{}' as they require HTTP mode.",
                        px.name
                    ),
                );
            }
        }
        if px.options.forwardfor.is_some() {
            warn(
                out,
                format!(
                    "'option forwardfor' ignored for {ty} '{}' as it requires HTTP mode.",
                    px.name
                ),
            );
        }
    }
}

/// `default_backend`/`use_backend` naming `name`: it must exist, not be the proxy itself, and
/// not be a TCP backend behind an HTTP frontend.
fn backend_ref(
    config: &Config,
    px: &Proxy,
    name: &str,
    loc: &super::line::Loc,
    keyword: &str,
    how: &str,
    out: &mut Vec<Diagnostic>,
) {
    let msg = match config.backend(name) {
        None => format!(
            "Proxy '{}': unable to find required {keyword}: '{name}'.",
            px.name
        ),
        Some(be) if std::ptr::eq(be, px) => {
            format!(
                "Proxy '{}': loop detected for {keyword}: '{name}'.",
                px.name
            )
        }
        // An HTTP frontend cannot hand its streams to a TCP backend (the reverse is an
        // implicit upgrade HAProxy allows).
        Some(be) if px.mode == Mode::Http && be.mode == Mode::Tcp => format!(
            "http {} '{}' ({}) tries to use incompatible tcp {} '{}' ({}) {how} (see 'mode').",
            px.kind.type_str(),
            px.name,
            px.loc,
            be.kind.type_str(),
            be.name,
            be.loc
        ),
        Some(_) => return,
    };
    out.push(Diagnostic::plain(Severity::Alert, Some(loc), msg));
}
