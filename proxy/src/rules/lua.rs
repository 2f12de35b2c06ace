//! Lua in rules: `lua.<name> [args]` actions checked against what the scripts registered
//! (rule set and argument count, HAProxy's messages), `use-service lua.<name>` checked against
//! the registered services, and the 1.6-dev draft spelling `lua <function>` (a global
//! function called directly; HAProxy no longer accepts it, Halo does).

use crate::lua_names::{ActionKind, LuaNames, ServiceMode};

use super::ProxyMode;

/// A Lua action to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuaCall {
    /// The registered action name (without `lua.`), or the global function's name.
    pub name: String,
    /// The rule line's arguments (`nb_args` of them), passed after the transaction.
    pub args: Vec<String>,
    /// The draft spelling: `name` is a global function, not a registered action.
    pub global_function: bool,
}

/// `lua.<name>` registered for `kind`? Returns `None` when the word is not such an action
/// (the caller then reports an unknown keyword, as HAProxy does), else the call or the
/// argument error ("expect N arguments"). `cur` moves past the consumed arguments.
pub fn parse_lua_action(
    word: &str,
    kind: ActionKind,
    words: &[String],
    cur: &mut usize,
    lua: &LuaNames,
) -> Option<Result<LuaCall, String>> {
    let name = word.strip_prefix("lua.")?;
    let info = lua.actions.get(name).filter(|a| a.kinds.contains(&kind))?;
    let mut args = Vec::with_capacity(info.nb_args);
    for _ in 0..info.nb_args {
        match words.get(*cur).filter(|w| !w.is_empty()) {
            Some(a) => args.push(a.clone()),
            None => return Some(Err(format!("expect {} arguments", info.nb_args))),
        }
        *cur += 1;
    }
    Some(Ok(LuaCall {
        name: name.to_string(),
        args,
        global_function: false,
    }))
}

/// The draft `lua <function>` form: `words[*cur]` is the function name.
pub fn parse_draft_lua(kw: &str, words: &[String], cur: &mut usize) -> Result<LuaCall, String> {
    let Some(f) = words.get(*cur).filter(|w| !w.is_empty()) else {
        return Err(format!("'{kw} lua' expects a function name"));
    };
    *cur += 1;
    Ok(LuaCall {
        name: f.clone(),
        args: Vec::new(),
        global_function: true,
    })
}

/// The Lua action names registered for a rule set, as HAProxy lists them in its
/// "expects ..." messages.
pub fn registered_for(kind: ActionKind, lua: &LuaNames) -> Vec<String> {
    let mut names: Vec<(usize, &String)> = lua
        .actions
        .iter()
        .filter(|(_, a)| a.kinds.contains(&kind))
        .map(|(n, _)| {
            let rank = lua.action_order.iter().position(|o| o == n);
            (rank.unwrap_or(usize::MAX), n)
        })
        .collect();
    // Registration order, as HAProxy lists them; by name for any without a known rank.
    names.sort();
    names.into_iter().map(|(_, n)| format!("lua.{n}")).collect()
}

/// Where a `use-service` appears, which decides the messages and the allowed service mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceRuleSet {
    HttpRequest,
    TcpContent,
}

/// `use-service <name>`: only `lua.<name>` services exist in Halo. `rule_word` is the word
/// HAProxy names in the unknown-service message (for `tcp-request content`, HAProxy quotes
/// `content`; Halo keeps that).
pub fn parse_service(
    set: ServiceRuleSet,
    mode: ProxyMode,
    name: Option<&str>,
    rule_word: &str,
    lua: &LuaNames,
) -> Result<String, String> {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(match set {
            ServiceRuleSet::HttpRequest => "'use-service' expects a service name.".into(),
            ServiceRuleSet::TcpContent => "'tcp-request' expects a service name.".into(),
        });
    };
    let unknown = || match set {
        ServiceRuleSet::HttpRequest => format!("'{name}' unknown service name."),
        ServiceRuleSet::TcpContent => format!("'{rule_word}' unknown service name."),
    };
    let svc = name.strip_prefix("lua.").ok_or_else(unknown)?;
    let smode = *lua.services.get(svc).ok_or_else(unknown)?;
    match (set, smode) {
        (ServiceRuleSet::TcpContent, ServiceMode::Http) => {
            Err("HTTP applets are forbidden from 'tcp-request' rulesets".into())
        }
        (_, ServiceMode::Tcp) if mode == ProxyMode::Http => {
            Err("Lua TCP services cannot be used on HTTP proxies".into())
        }
        _ => Ok(svc.to_string()),
    }
}
