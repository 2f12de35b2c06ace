//! `http-request`, `http-response` and `http-after-response` rules: the actions Halo runs,
//! HAProxy's messages for their arguments, and a clear error for HAProxy actions Halo does
//! not have yet.

use regex::bytes::Regex;

use crate::config::{ConfigError, Line};
use crate::lua_names::{ActionKind, LuaNames};
use crate::sample::logformat::LogFormat;
use crate::sample::vars::VarName;

use super::lua::{
    LuaCall, ServiceRuleSet, parse_draft_lua, parse_lua_action, parse_service, registered_for,
};
use super::places::{self, RuleSet};
use super::reply::{Redirect, Reply, parse_redirect, parse_reply};
use super::setvar::{SetVar, parse_set_var, parse_unset_var};
use super::{ProxyCtx, ProxyRules, Rule, cond_words, has_prefix_kw, matches_kw, unknown};

/// How `del-header` matches names (`-m`).
#[derive(Clone, Debug)]
pub enum HdrMatch {
    Str,
    Beg,
    End,
    Sub,
    Reg(Regex),
}

impl HdrMatch {
    /// Whether `del-header <pattern> [-m ...]` removes the header named `header`: names
    /// compare case-insensitively; a regex runs on the lowercased name (HAProxy stores names
    /// lowercased), as checked with haproxy 2.6.
    pub fn matches(&self, pattern: &str, header: &[u8]) -> bool {
        let p = pattern.as_bytes();
        let lower = header.to_ascii_lowercase();
        let pl = p.to_ascii_lowercase();
        match self {
            HdrMatch::Str => lower == pl,
            HdrMatch::Beg => lower.starts_with(&pl),
            HdrMatch::End => lower.ends_with(&pl),
            HdrMatch::Sub => pl.is_empty() || lower.windows(pl.len()).any(|w| w == pl.as_slice()),
            HdrMatch::Reg(r) => r.is_match(&lower),
        }
    }
}

/// An HTTP rule action. Which ones a rule set accepts is checked at parse time.
#[derive(Clone, Debug)]
pub enum HttpAction {
    Allow,
    /// `deny`: the reply (403 by default in requests, 502 in responses).
    Deny(Reply),
    Return(Reply),
    Redirect(Redirect),
    SetHeader {
        name: String,
        value: LogFormat,
    },
    AddHeader {
        name: String,
        value: LogFormat,
    },
    DelHeader {
        name: String,
        method: HdrMatch,
    },
    SetPath(LogFormat),
    SetQuery(LogFormat),
    SetUri(LogFormat),
    SetMethod(LogFormat),
    SetStatus {
        status: u16,
        reason: Option<String>,
    },
    SetVar(SetVar),
    UnsetVar(VarName),
    Lua(LuaCall),
    /// `use-service lua.<name>`: the service name (final action).
    UseService(String),
}

/// The rule sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Set {
    Req,
    Res,
    AfterRes,
}

/// HAProxy 2.6's actions per rule set, in its listing order; `(*)` ones take a suffix.
const HAPROXY_REQ: &[&str] = &[
    "wait-for-handshake",
    "ot-group",
    "set-log-level",
    "set-nice",
    "use-service",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
    "send-spoe-group",
    "do-resolve(*)",
    "cache-use",
    "add-acl(*)",
    "add-header",
    "allow",
    "auth",
    "capture",
    "del-acl(*)",
    "del-header",
    "del-map(*)",
    "deny",
    "disable-l7-retry",
    "early-hint",
    "normalize-uri",
    "redirect",
    "reject",
    "replace-header",
    "replace-path",
    "replace-pathq",
    "replace-uri",
    "replace-value",
    "return",
    "set-header",
    "set-map(*)",
    "set-method",
    "set-path",
    "set-pathq",
    "set-query",
    "set-uri",
    "strict-mode",
    "tarpit",
    "track-sc(*)",
    "set-timeout",
    "wait-for-body",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-src",
    "set-src-port",
    "set-tos",
    "silent-drop",
    "set-priority-class",
    "set-priority-offset",
];
const HAPROXY_RES: &[&str] = &[
    "ot-group",
    "set-log-level",
    "set-nice",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
    "send-spoe-group",
    "cache-store",
    "add-acl(*)",
    "add-header",
    "allow",
    "capture",
    "del-acl(*)",
    "del-header",
    "del-map(*)",
    "deny",
    "redirect",
    "replace-header",
    "replace-value",
    "return",
    "set-header",
    "set-map(*)",
    "set-status",
    "strict-mode",
    "track-sc(*)",
    "wait-for-body",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
    "set-mark",
    "set-tos",
    "silent-drop",
];
const HAPROXY_AFTER: &[&str] = &[
    "ot-group",
    "add-header",
    "allow",
    "capture",
    "del-header",
    "replace-header",
    "replace-value",
    "set-header",
    "set-status",
    "strict-mode",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
];

/// What Halo implements per rule set (same spelling).
const HALO_REQ: &[&str] = &[
    "use-service",
    "add-header",
    "allow",
    "del-header",
    "deny",
    "redirect",
    "return",
    "set-header",
    "set-method",
    "set-path",
    "set-query",
    "set-uri",
    "set-var(*)",
    "unset-var(*)",
];
const HALO_RES: &[&str] = &[
    "add-header",
    "allow",
    "del-header",
    "deny",
    "return",
    "set-header",
    "set-status",
    "set-var(*)",
    "unset-var(*)",
];
const HALO_AFTER: &[&str] = &[
    "add-header",
    "allow",
    "del-header",
    "set-header",
    "set-status",
    "set-var(*)",
    "unset-var(*)",
];

pub(super) fn add_http_rule(
    rules: &mut ProxyRules,
    ctx: &ProxyCtx,
    line: &Line,
    lua: &LuaNames,
) -> Result<(), ConfigError> {
    let w = &line.words;
    let kw = w[0].as_str();
    let (set, kind, haproxy, halo) = match kw {
        "http-request" => (Set::Req, ActionKind::HttpReq, HAPROXY_REQ, HALO_REQ),
        "http-response" => (Set::Res, ActionKind::HttpRes, HAPROXY_RES, HALO_RES),
        _ => (
            Set::AfterRes,
            ActionKind::HttpAfterRes,
            HAPROXY_AFTER,
            HALO_AFTER,
        ),
    };
    let err = |m: String| ConfigError::at(&line.loc, m);
    let act = w.get(1).map(String::as_str).unwrap_or("");
    let rule_err = |m: String| {
        err(format!(
            "error detected in {} while parsing '{kw} {act}' rule : {m}.",
            ctx.describe()
        ))
    };
    let mut cur = 2;
    let action = if let Some(r) = parse_lua_action(act, kind, w, &mut cur, lua) {
        HttpAction::Lua(r.map_err(rule_err)?)
    } else if act == "lua" && set != Set::AfterRes {
        HttpAction::Lua(parse_draft_lua(kw, w, &mut cur).map_err(rule_err)?)
    } else if matches_kw(halo, act) {
        parse_action(set, act, w, &mut cur, ctx, lua).map_err(rule_err)?
    } else if matches_kw(haproxy, act) {
        return Err(err(format!("'{kw} {act}' is not supported by Halo yet.")));
    } else {
        let lua = registered_for(kind, lua);
        return Err(err(format!(
            "'{kw}' expects {}, but got '{act}'{}.{}",
            unknown::list(haproxy, &lua),
            if act.is_empty() {
                " (missing argument)"
            } else {
                ""
            },
            unknown::did_you_mean(act, haproxy, &lua, &[]),
        )));
    };
    let cond = match cond_words(w, cur) {
        Ok(None) => None,
        Ok(Some((pol, cw))) => Some(rules.acls.parse_cond(pol, cw, lua).map_err(|e| {
            if matches!(action, HttpAction::Redirect(_)) {
                rule_err(format!("error in condition: {e}"))
            } else {
                err(format!(
                    "error detected while parsing an '{kw} {act}' condition : {e}."
                ))
            }
        })?),
        Err(found) => {
            return Err(err(format!(
                "'{kw} {act}' expects either 'if' or 'unless' followed by a condition but found '{found}'."
            )));
        }
    };
    if let Some(c) = &cond
        && let Some(wm) = places::cond_warning(ctx, rule_set(set), c, None)
    {
        rules.warnings.push(ConfigError::at(&line.loc, wm));
    }
    let rule = Rule {
        loc: line.loc.clone(),
        action,
        cond,
    };
    match set {
        Set::Req => rules.http_request.push(rule),
        Set::Res => rules.http_response.push(rule),
        Set::AfterRes => rules.http_after_response.push(rule),
    }
    Ok(())
}

fn rule_set(set: Set) -> RuleSet {
    match set {
        Set::Req => RuleSet::HttpRequest,
        Set::Res | Set::AfterRes => RuleSet::HttpResponse,
    }
}

/// One supported action's arguments from `words[*cur]` on.
fn parse_action(
    set: Set,
    act: &str,
    w: &[String],
    cur: &mut usize,
    ctx: &ProxyCtx,
    lua: &LuaNames,
) -> Result<HttpAction, String> {
    let arg = |i: usize| w.get(i).filter(|s| !s.is_empty());
    let at = places::sample_places(ctx, rule_set(set));
    Ok(match act {
        "allow" => HttpAction::Allow,
        "deny" => HttpAction::Deny(parse_reply(
            w,
            cur,
            if set == Set::Req { 403 } else { 502 },
            true,
            lua,
            at,
        )?),
        "return" => HttpAction::Return(parse_reply(w, cur, 200, false, lua, at)?),
        "redirect" => HttpAction::Redirect(parse_redirect(w, cur, lua, at)?),
        "set-header" | "add-header" => {
            let (Some(name), Some(value)) = (arg(*cur), arg(*cur + 1)) else {
                return Err("expects exactly 2 arguments".into());
            };
            let value = LogFormat::parse_placed(value, lua, at)?;
            *cur += 2;
            let name = name.clone();
            if act == "set-header" {
                HttpAction::SetHeader { name, value }
            } else {
                HttpAction::AddHeader { name, value }
            }
        }
        "del-header" => {
            let Some(name) = arg(*cur).cloned() else {
                return Err("expects at least 1 argument".into());
            };
            *cur += 1;
            let mut method = HdrMatch::Str;
            if w.get(*cur).map(String::as_str) == Some("-m") {
                let Some(m) = arg(*cur + 1) else {
                    return Err("-m flag expects exactly 1 argument".into());
                };
                method = match m.as_str() {
                    "str" => HdrMatch::Str,
                    "beg" => HdrMatch::Beg,
                    "end" => HdrMatch::End,
                    "sub" => HdrMatch::Sub,
                    "reg" => HdrMatch::Reg(
                        Regex::new(&name)
                            .map_err(|e| format!("regex '{name}' is invalid ({e})"))?,
                    ),
                    other => return Err(format!("-m with unsupported matching method '{other}'")),
                };
                *cur += 2;
            }
            HttpAction::DelHeader { name, method }
        }
        "set-path" | "set-query" | "set-uri" | "set-method" => {
            let Some(v) = arg(*cur) else {
                return Err("expects exactly 1 argument <format>".into());
            };
            let f = LogFormat::parse_placed(v, lua, at)?;
            *cur += 1;
            match act {
                "set-path" => HttpAction::SetPath(f),
                "set-query" => HttpAction::SetQuery(f),
                "set-uri" => HttpAction::SetUri(f),
                _ => HttpAction::SetMethod(f),
            }
        }
        "set-status" => {
            let bad = || {
                "expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>".to_string()
            };
            let v = arg(*cur).ok_or_else(bad)?;
            let code = crate::sample::value::read_int64(v.as_bytes()).0;
            if !(100..=999).contains(&code) {
                return Err("expects an integer status code between 100 and 999".into());
            }
            *cur += 1;
            let mut reason = None;
            if w.get(*cur).map(String::as_str) == Some("reason")
                && let Some(r) = arg(*cur + 1)
            {
                reason = Some(r.clone());
                *cur += 2;
            }
            HttpAction::SetStatus {
                status: code as u16,
                reason,
            }
        }
        "use-service" => {
            let svc = parse_service(
                ServiceRuleSet::HttpRequest,
                ctx.mode,
                arg(*cur).map(String::as_str),
                act,
                lua,
            )?;
            *cur += 1;
            HttpAction::UseService(svc)
        }
        a if has_prefix_kw(a, "set-var") => {
            let sv = parse_set_var(a, w, cur, lua)?;
            places::check_expr(a, &sv.expr, at)?;
            HttpAction::SetVar(sv)
        }
        a if has_prefix_kw(a, "unset-var") => HttpAction::UnsetVar(parse_unset_var(a)?),
        other => return Err(format!("unexpected action '{other}'")),
    })
}
