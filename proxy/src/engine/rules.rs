//! Compiling every proxy's rule lines (its named defaults' first, as HAProxy 2.6 inherits
//! them) against what the Lua scripts registered. Errors become configuration alerts at their
//! lines, so `halo -c` reports them among the parser's.

use crate::config::{Diagnostic, Form, Line, Outcome, Proxy, ProxyKind, Severity};
use crate::lua_names::LuaNames;
use crate::rules::{ProxyCtx, ProxyKind as RuleKind, ProxyMode, ProxyRules};

/// The compiled rules of every configuration proxy, by index in `Config::proxies`.
#[derive(Debug, Default)]
pub struct PlanRules {
    pub proxies: Vec<ProxyRules>,
    /// Errors HAProxy finds in its checks after parsing: for `add_check_errors`.
    pub check_errors: Vec<Diagnostic>,
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
        .chain(&r.unique_id)
        .collect();
    // The model keeps one list per keyword; ACLs must be seen before the rules naming them,
    // so go back to the order of the file.
    lines.sort_by(|a, b| (&*a.loc.file, a.loc.line).cmp(&(&*b.loc.file, b.loc.line)));
    lines
}

fn ctx_of(p: &Proxy) -> ProxyCtx {
    ProxyCtx {
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
    }
}

/// What compiling reports, before it is placed in the outcome.
#[derive(Default)]
struct Reports {
    /// Alerts, with whether each aborts the load.
    errors: Vec<(Diagnostic, bool)>,
    warnings: Vec<Diagnostic>,
    misplaced: Vec<Diagnostic>,
    checks: Vec<Diagnostic>,
}

/// Compiles a section's own lines into `rules`, reporting as HAProxy does.
fn compile_reported(
    rules: &mut ProxyRules,
    ctx: &ProxyCtx,
    lines: &[&Line],
    names: &LuaNames,
    reports: &mut Reports,
) {
    let mut ok = Vec::with_capacity(lines.len());
    for line in lines {
        let res = rules.add_line(ctx, line, names);
        ok.push(res.is_ok());
        let Err(e) = res else { continue };
        let Some(loc) = &e.loc else { continue };
        let how = crate::rules::reported_as(line, &e);
        if how.check_phase {
            // The rule is otherwise valid: HAProxy keeps it, and so do its warnings.
            *ok.last_mut().expect("pushed above") = true;
            reports
                .checks
                .push(Diagnostic::alert(loc, Form::ParsingCapital, e.msg));
            continue;
        }
        let form = if how.tight {
            Form::ParsingTight
        } else {
            Form::Parsing
        };
        reports
            .errors
            .push((Diagnostic::alert(loc, form, e.msg), how.abort));
    }
    reports.misplaced.extend(misplaced(lines, &ok));
    for w in rules.warnings.drain(..) {
        if let Some(loc) = &w.loc {
            reports
                .warnings
                .push(Diagnostic::warning(loc, Form::Parsing, w.msg));
        }
    }
}

/// HAProxy's `warnif_misplaced_*` warnings, given which lines compiled: a rule evaluated
/// earlier than one written before it (only rules that compiled count, and only they warn).
fn misplaced(lines: &[&Line], ok: &[bool]) -> Vec<Diagnostic> {
    let mut seen = crate::config::RulesSeen::default();
    let mut out = Vec::new();
    for (line, ok) in lines.iter().zip(ok) {
        if !ok {
            continue;
        }
        let kw = line.words[0].as_str();
        let sub = line.words.get(1).map(String::as_str).unwrap_or("");
        if let Some(msg) = seen.misplaced(kw, sub) {
            out.push(Diagnostic::warning(&line.loc, Form::Parsing, msg));
        }
        seen.note(kw, sub);
    }
    out
}

pub fn compile(outcome: &mut Outcome, names: &LuaNames) -> PlanRules {
    let mut out = PlanRules::default();
    let mut reports = Reports::default();
    // A named defaults section's rules are reported once, in its own name, as HAProxy parses
    // them there; each proxy using it compiles them again, silently, before its own.
    for d in &outcome.config.defaults {
        let lines = lines_in_order(&d.rules);
        if !lines.is_empty() {
            let mut rules = ProxyRules::default();
            compile_reported(&mut rules, &ctx_of(d), &lines, names, &mut reports);
        }
    }
    for p in &outcome.config.proxies {
        let ctx = ctx_of(p);
        let mut rules = ProxyRules::default();
        if let Some(d) = p
            .defaults_index
            .and_then(|i| outcome.config.defaults.get(i))
        {
            for line in lines_in_order(&d.rules) {
                let _ = rules.add_line(&ctx, line, names);
            }
            rules.warnings.clear();
        }
        compile_reported(
            &mut rules,
            &ctx,
            &lines_in_order(&p.rules),
            names,
            &mut reports,
        );
        rules.finish();
        out.proxies.push(rules);
    }
    out.check_errors = reports.checks;
    // The parser's misplaced-rule warnings assumed every rule compiled: replaced by the ones
    // computed from what did.
    outcome.parse.retain(|d| {
        !(d.severity == Severity::Warning
            && d.error
                .msg
                .ends_with(" rule will still be processed before."))
    });
    for w in reports.misplaced.into_iter().chain(reports.warnings) {
        outcome.add(w);
    }
    let diags = reports.errors;
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

/// Adds the errors HAProxy finds in its checks (`PlanRules::check_errors`) once
/// `Outcome::check` ran, as it does: only when parsing succeeded, among the other checks'
/// messages before the first one about a later line.
pub fn add_check_errors(outcome: &mut Outcome, errors: Vec<Diagnostic>) {
    if outcome.aborted || outcome.parse.iter().any(|d| d.fatal) {
        return;
    }
    let files = &outcome.files;
    let at = |d: &Diagnostic| {
        d.error.loc.as_ref().map(|l| {
            let file = files.iter().position(|f| *f == l.file);
            (file.unwrap_or(usize::MAX), l.line)
        })
    };
    for e in errors {
        let key = at(&e);
        let i = outcome
            .checks
            .iter()
            .position(|c| at(c).is_some_and(|k| Some(k) > key))
            .unwrap_or(outcome.checks.len());
        outcome.checks.insert(i, e);
    }
}
