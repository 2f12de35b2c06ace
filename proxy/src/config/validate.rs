//! Checks once every file is read (HAProxy's `check_config_validity()`), per proxy in
//! declaration order and with HAProxy's messages: frontends without `bind`, backends named by
//! `default_backend`/`use_backend` that do not exist or have an incompatible mode, missing
//! timeouts.

use super::diag::{Diagnostic, Form, Severity};
use super::model::{Config, Mode, Proxy};

const MISSING_TIMEOUTS: &str = "   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.";

pub fn check(config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for px in &config.proxies {
        let ty = px.kind.type_str();
        if px.caps.frontend && px.binds.is_empty() {
            out.push(Diagnostic::plain(
                Severity::Warning,
                Some(&px.loc),
                format!(
                    "{ty} '{}' has no 'bind' directive. Please declare it as a backend if this was intended.",
                    px.name
                ),
            ));
        }
        if px.caps.frontend {
            if let Some((name, loc)) = &px.default_backend {
                match config.backend(name) {
                    Some(be) if std::ptr::eq(be, px) => out.push(Diagnostic::plain(
                        Severity::Alert,
                        Some(loc),
                        format!(
                            "Proxy '{}': loop detected for default_backend: '{name}'.",
                            px.name
                        ),
                    )),
                    None => out.push(Diagnostic::plain(
                        Severity::Alert,
                        Some(loc),
                        format!(
                            "Proxy '{}': unable to find required default_backend: '{name}'.",
                            px.name
                        ),
                    )),
                    Some(be) => {
                        if let Some(msg) = mode_mismatch(px, be, "as its default backend") {
                            out.push(Diagnostic::plain(Severity::Alert, Some(loc), msg));
                        }
                    }
                }
            }
            for rule in &px.rules.use_backend {
                let Some(name) = rule.words.get(1) else {
                    continue;
                };
                // A name built from a log-format expression is resolved per request.
                if name.contains("%[") {
                    continue;
                }
                match config.backend(name) {
                    Some(be) if std::ptr::eq(be, px) => out.push(Diagnostic::plain(
                        Severity::Alert,
                        Some(&rule.loc),
                        format!(
                            "Proxy '{}': loop detected for use_backend: '{name}'.",
                            px.name
                        ),
                    )),
                    None => out.push(Diagnostic::plain(
                        Severity::Alert,
                        Some(&rule.loc),
                        format!(
                            "Proxy '{}': unable to find required use_backend: '{name}'.",
                            px.name
                        ),
                    )),
                    Some(be) => {
                        if let Some(msg) = mode_mismatch(px, be, "in a 'use_backend' rule") {
                            out.push(Diagnostic::plain(Severity::Alert, Some(&rule.loc), msg));
                        }
                    }
                }
            }
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
        let t = &px.timeouts;
        let fe_missing = px.caps.frontend && t.client.is_none();
        let be_missing = px.caps.backend
            && !px.servers.is_empty()
            && (t.connect.is_none()
                || (t.server.is_none() && (px.mode == Mode::Http || t.tunnel.is_none())));
        if fe_missing || be_missing {
            out.push(Diagnostic::plain(
                Severity::Warning,
                Some(&px.loc),
                format!(
                    "missing timeouts for {ty} '{}'.\n{MISSING_TIMEOUTS}",
                    px.name
                ),
            ));
        }
    }
    out
}

/// An HTTP frontend cannot hand its streams to a TCP backend (the reverse is an implicit
/// upgrade HAProxy allows).
fn mode_mismatch(fe: &Proxy, be: &Proxy, how: &str) -> Option<String> {
    if fe.mode == Mode::Http && be.mode == Mode::Tcp {
        return Some(format!(
            "http {} '{}' ({}) tries to use incompatible tcp {} '{}' ({}) {how} (see 'mode').",
            fe.kind.type_str(),
            fe.name,
            fe.loc,
            be.kind.type_str(),
            be.name,
            be.loc
        ));
    }
    None
}
