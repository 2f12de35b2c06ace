//! `tcp-request` (`inspect-delay`, `connection`, `content`) and `tcp-response` (`inspect-delay`,
//! `content`) rules, with HAProxy's messages (which, unlike HTTP rules', name the proxy and
//! carry no final period).

use crate::config::{ConfigError, Line};
use crate::lua_names::{ActionKind, LuaNames};
use crate::sample::arg::parse_time_ms;
use crate::sample::vars::VarName;

use super::lua::{
    LuaCall, ServiceRuleSet, parse_draft_lua, parse_lua_action, parse_service, registered_for,
};
use super::places::{self, RuleSet};
use super::setvar::{SetVar, parse_set_var, parse_unset_var};
use super::{
    ProxyCtx, ProxyKind, ProxyRules, Rule, cond_words, has_prefix_kw, matches_kw, unknown,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpConnAction {
    Accept,
    Reject,
}

#[derive(Clone, Debug)]
pub enum TcpContentAction {
    Accept,
    Reject,
    Lua(LuaCall),
    /// `use-service lua.<name>` (a TCP service; final action).
    UseService(String),
    SetVar(SetVar),
    UnsetVar(VarName),
}

#[derive(Clone, Debug)]
pub enum TcpResAction {
    Accept,
    Reject,
    /// Closes the server connection once the response has been forwarded.
    Close,
    Lua(LuaCall),
    SetVar(SetVar),
    UnsetVar(VarName),
}

const HAPROXY_CONN: &[&str] = &[
    "accept",
    "reject",
    "capture",
    "expect-proxy",
    "expect-netscaler-cip",
    "track-sc(*)",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
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
];
const HAPROXY_CONTENT: &[&str] = &[
    "accept",
    "reject",
    "capture",
    "expect-proxy",
    "expect-netscaler-cip",
    "track-sc(*)",
    "ot-group",
    "set-log-level",
    "set-nice",
    "switch-mode",
    "use-service",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
    "send-spoe-group",
    "do-resolve(*)",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
    "set-src",
    "set-src-port",
    "set-dst",
    "set-dst-port",
    "set-mark",
    "set-tos",
    "silent-drop",
    "set-priority-class",
    "set-priority-offset",
];
const HAPROXY_RES: &[&str] = &[
    "accept",
    "close",
    "reject",
    "ot-group",
    "set-log-level",
    "set-nice",
    "sc-inc-gpc(*)",
    "sc-inc-gpc0(*)",
    "sc-inc-gpc1(*)",
    "sc-set-gpt(*)",
    "sc-set-gpt0(*)",
    "send-spoe-group",
    "set-var-fmt(*)",
    "set-var(*)",
    "unset-var(*)",
    "set-mark",
    "set-tos",
    "silent-drop",
];

/// `tcp-request|tcp-response inspect-delay <time>`.
fn inspect_delay(kw: &str, ctx: &ProxyCtx, line: &Line) -> Result<u32, ConfigError> {
    let base = format!(
        "'{kw} inspect-delay' expects a positive delay in milliseconds, in {}",
        ctx.describe()
    );
    match line.words.get(2).filter(|w| !w.is_empty()) {
        None => Err(ConfigError::at(&line.loc, base)),
        Some(v) => parse_time_ms(v).map_err(|c| {
            ConfigError::at(
                &line.loc,
                match c {
                    Some(c) => format!("{base} (unexpected character '{c}')"),
                    None => base.clone(),
                },
            )
        }),
    }
}

pub(super) fn add_tcp_request(
    rules: &mut ProxyRules,
    ctx: &ProxyCtx,
    line: &Line,
    lua: &LuaNames,
) -> Result<(), ConfigError> {
    let w = &line.words;
    let err = |m: String| ConfigError::at(&line.loc, m);
    match w.get(1).map(String::as_str).unwrap_or("") {
        "inspect-delay" => {
            rules.inspect_delay = Some(inspect_delay("tcp-request", ctx, line)?);
            Ok(())
        }
        "connection" => {
            let (act, cur) = action_word(w);
            let action = match act {
                "accept" => TcpConnAction::Accept,
                "reject" => TcpConnAction::Reject,
                _ => {
                    return Err(unknown(
                        line,
                        "tcp-request connection",
                        act,
                        HAPROXY_CONN,
                        None,
                        ctx,
                        lua,
                    ));
                }
            };
            let cond = tcp_cond(rules, ctx, line, "tcp-request connection", act, cur, lua)?;
            warn_cond(rules, ctx, RuleSet::TcpConnection, line, &cond);
            rules.tcp_connection.push(Rule {
                loc: line.loc.clone(),
                action,
                cond,
            });
            Ok(())
        }
        "content" => {
            let (act, mut cur) = action_word(w);
            let action =
                if let Some(r) = parse_lua_action(act, ActionKind::TcpReq, w, &mut cur, lua) {
                    TcpContentAction::Lua(r.map_err(err)?)
                } else {
                    match act {
                        "accept" => TcpContentAction::Accept,
                        "reject" => TcpContentAction::Reject,
                        "lua" => TcpContentAction::Lua(
                            parse_draft_lua("tcp-request content", w, &mut cur).map_err(err)?,
                        ),
                        "use-service" => {
                            let svc = parse_service(
                                ServiceRuleSet::TcpContent,
                                ctx.mode,
                                w.get(cur).map(String::as_str),
                                &w[1],
                                lua,
                            )
                            .map_err(err)?;
                            cur += 1;
                            TcpContentAction::UseService(svc)
                        }
                        a if has_prefix_kw(a, "set-var") => TcpContentAction::SetVar(
                            placed_set_var(a, w, &mut cur, lua, ctx, RuleSet::TcpContent)
                                .map_err(err)?,
                        ),
                        a if has_prefix_kw(a, "unset-var") => {
                            TcpContentAction::UnsetVar(parse_unset_var(a).map_err(err)?)
                        }
                        _ => {
                            return Err(unknown(
                                line,
                                "tcp-request content",
                                act,
                                HAPROXY_CONTENT,
                                Some(ActionKind::TcpReq),
                                ctx,
                                lua,
                            ));
                        }
                    }
                };
            let cond = tcp_cond(rules, ctx, line, "tcp-request content", act, cur, lua)?;
            warn_cond(rules, ctx, RuleSet::TcpContent, line, &cond);
            rules.tcp_content.push(Rule {
                loc: line.loc.clone(),
                action,
                cond,
            });
            Ok(())
        }
        "session" => Err(err(
            "'tcp-request session' is not supported by Halo yet".into()
        )),
        other => Err(err(format!(
            "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in {} (got '{other}')",
            ctx.describe()
        ))),
    }
}

pub(super) fn add_tcp_response(
    rules: &mut ProxyRules,
    ctx: &ProxyCtx,
    line: &Line,
    lua: &LuaNames,
) -> Result<(), ConfigError> {
    let w = &line.words;
    let err = |m: String| ConfigError::at(&line.loc, m);
    match w.get(1).map(String::as_str).unwrap_or("") {
        "inspect-delay" => {
            rules.res_inspect_delay = Some(inspect_delay("tcp-response", ctx, line)?);
            Ok(())
        }
        "content" => {
            if ctx.kind == ProxyKind::Frontend {
                return Err(err(
                    "tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name".into(),
                ));
            }
            let (act, mut cur) = action_word(w);
            let action =
                if let Some(r) = parse_lua_action(act, ActionKind::TcpRes, w, &mut cur, lua) {
                    TcpResAction::Lua(r.map_err(err)?)
                } else {
                    match act {
                        "accept" => TcpResAction::Accept,
                        "reject" => TcpResAction::Reject,
                        "close" => TcpResAction::Close,
                        "lua" => TcpResAction::Lua(
                            parse_draft_lua("tcp-response content", w, &mut cur).map_err(err)?,
                        ),
                        a if has_prefix_kw(a, "set-var") => TcpResAction::SetVar(
                            placed_set_var(a, w, &mut cur, lua, ctx, RuleSet::TcpResponse)
                                .map_err(err)?,
                        ),
                        a if has_prefix_kw(a, "unset-var") => {
                            TcpResAction::UnsetVar(parse_unset_var(a).map_err(err)?)
                        }
                        _ => {
                            return Err(unknown(
                                line,
                                "tcp-response content",
                                act,
                                HAPROXY_RES,
                                Some(ActionKind::TcpRes),
                                ctx,
                                lua,
                            ));
                        }
                    }
                };
            let cond = tcp_cond(rules, ctx, line, "tcp-response content", act, cur, lua)?;
            warn_cond(rules, ctx, RuleSet::TcpResponse, line, &cond);
            rules.tcp_response.push(Rule {
                loc: line.loc.clone(),
                action,
                cond,
            });
            Ok(())
        }
        other => Err(err(format!(
            "'tcp-response' expects 'inspect-delay' or 'content' in {} (got '{other}')",
            ctx.describe()
        ))),
    }
}

/// The action word (`words[2]`) and the index after it.
fn action_word(w: &[String]) -> (&str, usize) {
    (w.get(2).map(String::as_str).unwrap_or(""), 3)
}

/// An action HAProxy has and Halo lacks, or an unknown one (HAProxy's message: the words its
/// parser knows, then its registered keywords and the scripts' actions).
#[allow(clippy::too_many_arguments)]
fn unknown(
    line: &Line,
    set: &str,
    act: &str,
    haproxy: &[&str],
    kind: Option<ActionKind>,
    ctx: &ProxyCtx,
    lua: &LuaNames,
) -> ConfigError {
    if matches_kw(haproxy, act) {
        return ConfigError::at(
            &line.loc,
            format!("'{set} {act}' is not supported by Halo yet"),
        );
    }
    let lua = kind.map(|k| registered_for(k, lua)).unwrap_or_default();
    // The words the parser itself knows come first in a fixed text (`track-sc(*)` written
    // "'track-sc0' ... 'track-sc2'"), the registered keywords after.
    let (fixed, registered, extras, end) = if set.starts_with("tcp-response") {
        (
            "'accept', 'close', 'reject'",
            &haproxy[3..],
            &["accept", "close", "reject"][..],
            "",
        )
    } else {
        (
            "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', \
             'track-sc0' ... 'track-sc2'",
            &haproxy[6..],
            &[
                "accept",
                "reject",
                "capture",
                "expect-proxy",
                "expect-netscaler-cip",
                "track-sc",
            ][..],
            "\n",
        )
    };
    ConfigError::at(
        &line.loc,
        format!(
            "'{set}' expects {fixed}, {} in {} (got '{act}').{}{end}",
            unknown::list(registered, &lua),
            ctx.describe(),
            unknown::did_you_mean(act, registered, &lua, extras),
        ),
    )
}

/// `set-var` with its expression checked against the rule's place.
fn placed_set_var(
    a: &str,
    w: &[String],
    cur: &mut usize,
    lua: &LuaNames,
    ctx: &ProxyCtx,
    set: RuleSet,
) -> Result<SetVar, String> {
    let sv = parse_set_var(a, w, cur, lua)?;
    places::check_expr(a, &sv.expr, places::sample_places(ctx, set))?;
    Ok(sv)
}

/// HAProxy's warning for a condition using fetches the rule's place lacks (the rule itself
/// compiled).
fn warn_cond(
    rules: &mut ProxyRules,
    ctx: &ProxyCtx,
    set: RuleSet,
    line: &Line,
    cond: &Option<crate::sample::acl::Cond>,
) {
    let name = format!("{} {}", line.words[0], line.words[1]);
    if let Some(c) = cond
        && let Some(wm) = places::cond_warning(ctx, set, c, Some(&name))
    {
        rules.warnings.push(ConfigError::at(&line.loc, wm));
    }
}

fn tcp_cond(
    rules: &ProxyRules,
    ctx: &ProxyCtx,
    line: &Line,
    set: &str,
    act: &str,
    cur: usize,
    lua: &LuaNames,
) -> Result<Option<crate::sample::acl::Cond>, ConfigError> {
    match cond_words(&line.words, cur) {
        Ok(None) => Ok(None),
        Ok(Some((pol, cw))) => rules.acls.parse_cond(pol, cw, lua).map(Some).map_err(|e| {
            ConfigError::at(
                &line.loc,
                format!(
                    "'{set} {act}' : error detected in {} while parsing '{}' condition : {e}",
                    ctx.describe(),
                    line.words[cur]
                ),
            )
        }),
        Err(found) => Err(ConfigError::at(
            &line.loc,
            format!(
                "'{set} {act}' only accepts 'if' or 'unless', in {} (got '{found}')",
                ctx.describe()
            ),
        )),
    }
}
