//! Compiling every proxy's rule lines (its named defaults' first, as HAProxy 2.6 inherits
//! them) against what the Lua scripts registered. Errors become configuration alerts at their
//! lines, so `halo -c` reports them among the parser's.

use crate::config::{Diagnostic, Form, Line, Outcome, ProxyKind, Severity};
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
                let how = crate::rules::reported_as(line, &e);
                let form = if how.tight {
                    Form::ParsingTight
                } else {
                    Form::Parsing
                };
                diags.push((Diagnostic::alert(loc, form, e.msg), how.abort));
            }
        }
        rules.finish();
        out.proxies.push(rules);
    }
    // HAProxy warns about a misplaced rule only once the rule parsed: none for a bad one.
    outcome.parse.retain(|d| {
        !(d.severity == Severity::Warning
            && d.error
                .msg
                .ends_with(" rule will still be processed before.")
            && diags.iter().any(|(e, _)| e.error.loc == d.error.loc))
    });
    // HAProxy stops reading at the first aborting rule (in file order): the others are
    // reported (those after it are dropped by `add_abort`), then that one ends the load.
    let files = &outcome.files;
    let at = |d: &Diagnostic| {
        d.error.loc.as_ref().map(|l| {
            let file = files.iter().position(|f| *f == l.file);
            (file.unwrap_or(usize::MAX), l.line)
        })
    };
    let first_abort = diags
        .iter()
        .enumerate()
        .filter(|(_, (_, abort))| *abort)
        .min_by_key(|(_, (d, _))| at(d))
        .map(|(i, _)| i);
    let mut abort = None;
    for (i, (d, _)) in diags.into_iter().enumerate() {
        if Some(i) == first_abort {
            abort = Some(d);
        } else {
            outcome.add(d);
        }
    }
    if let Some(d) = abort {
        outcome.add_abort(d);
    }
    out
}
