//! Compiling every proxy's rule lines (its named defaults' first, as HAProxy 2.6 inherits
//! them) against what the Lua scripts registered. Errors become configuration alerts at their
//! lines, so `halo -c` reports them among the parser's.

use crate::config::{Diagnostic, Form, Line, Outcome, ProxyKind};
use crate::lua_names::LuaNames;
use crate::rules::{ProxyCtx, ProxyKind as RuleKind, ProxyMode, ProxyRules};

/// The compiled rules of every configuration proxy, by index in `Config::proxies`.
#[derive(Debug, Default)]
pub struct PlanRules {
    pub proxies: Vec<ProxyRules>,
}

fn lines_in_order(r: &crate::config::Rules) -> Vec<&Line> {
    let mut lines: Vec<&Line> = r
        .acl
        .iter()
        .chain(&r.use_backend)
        .chain(&r.tcp_request)
        .chain(&r.tcp_response)
        .chain(&r.http_request)
        .chain(&r.http_response)
        .chain(&r.http_after_response)
        .collect();
    // The model keeps one list per keyword; ACLs must be seen before the rules naming them,
    // so go back to the order of the file.
    lines.sort_by(|a, b| (&*a.loc.file, a.loc.line).cmp(&(&*b.loc.file, b.loc.line)));
    lines
}

pub fn compile(outcome: &mut Outcome, names: &LuaNames) -> PlanRules {
    let mut out = PlanRules::default();
    let mut diags = Vec::new();
    for p in &outcome.config.proxies {
        let ctx = ProxyCtx {
            kind: match p.kind {
                ProxyKind::Frontend => RuleKind::Frontend,
                ProxyKind::Backend => RuleKind::Backend,
                ProxyKind::Listen => RuleKind::Listen,
                ProxyKind::Defaults => RuleKind::Defaults,
            },
            name: p.name.clone(),
            mode: match p.mode {
                crate::config::Mode::Tcp => ProxyMode::Tcp,
                crate::config::Mode::Http => ProxyMode::Http,
            },
        };
        let mut lines = Vec::new();
        if let Some(d) = p
            .defaults_index
            .and_then(|i| outcome.config.defaults.get(i))
        {
            lines.extend(lines_in_order(&d.rules));
        }
        lines.extend(lines_in_order(&p.rules));
        let mut rules = ProxyRules::default();
        for line in lines {
            if let Err(e) = rules.add_line(&ctx, line, names)
                && let Some(loc) = &e.loc
            {
                diags.push(Diagnostic::alert(loc, Form::Parsing, e.msg));
            }
        }
        rules.finish();
        out.proxies.push(rules);
    }
    for d in diags {
        outcome.add(d);
    }
    out
}
