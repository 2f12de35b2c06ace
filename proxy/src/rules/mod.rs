//! Rule compilation: the raw rule lines of one proxy section (`acl`, `use_backend`,
//! `tcp-request`, `tcp-response`, `http-request`, `http-response`, `http-after-response`)
//! become typed rules with their conditions, checked like HAProxy checks them (same messages).
//! Executing the rules is the engine's job; this module gives it typed data and, through
//! `sample`, the evaluation of conditions, expressions and formats.

mod http;
mod lua;
mod places;
use places::RuleSet;
mod reply;
mod setvar;
mod tcp;
mod unknown;

use crate::config::{ConfigError, Line, Loc};
use crate::lua_names::LuaNames;
use crate::sample::acl::{AclSet, Cond, Polarity, cond_holds};
use crate::sample::logformat::LogFormat;
use crate::sample::source::LuaSamples;

pub use http::{HdrMatch, HttpAction};
pub use lua::LuaCall;
pub use reply::{Redirect, RedirectKind, RedirectResponse, Reply, ReplyBody};
pub use setvar::SetVar;
pub use tcp::{TcpConnAction, TcpContentAction, TcpResAction};

/// The kind of section the rules come from, for HAProxy's "in frontend 'f'" wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    Frontend,
    Backend,
    Listen,
    Defaults,
}

impl ProxyKind {
    /// `proxy_type_str`.
    pub fn name(self) -> &'static str {
        match self {
            ProxyKind::Frontend => "frontend",
            ProxyKind::Backend => "backend",
            ProxyKind::Listen => "proxy",
            ProxyKind::Defaults => "defaults",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyMode {
    Tcp,
    Http,
}

/// The section being compiled.
#[derive(Clone, Debug)]
pub struct ProxyCtx {
    pub kind: ProxyKind,
    pub name: String,
    pub mode: ProxyMode,
}

impl ProxyCtx {
    /// "frontend 'f'".
    fn describe(&self) -> String {
        format!("{} '{}'", self.kind.name(), self.name)
    }
}

/// A rule: what to do, under which condition, and where it was written.
#[derive(Clone, Debug)]
pub struct Rule<A> {
    pub loc: Loc,
    pub action: A,
    pub cond: Option<Cond>,
}

impl<A> Rule<A> {
    /// Whether the rule applies to this stream (no condition: always).
    pub async fn applies<S: LuaSamples>(&self, src: &mut S) -> bool {
        cond_holds(self.cond.as_ref(), src).await
    }
}

/// `use_backend`'s target: a name, or a log format evaluated per stream when it contains
/// `%[`.
#[derive(Clone, Debug)]
pub enum BackendName {
    Static(String),
    Dynamic(LogFormat),
}

/// Every rule of one proxy section, in configuration order per rule set.
#[derive(Clone, Debug, Default)]
pub struct ProxyRules {
    pub acls: AclSet,
    /// `tcp-request inspect-delay`, in milliseconds.
    pub inspect_delay: Option<u32>,
    /// `tcp-response inspect-delay`, in milliseconds.
    pub res_inspect_delay: Option<u32>,
    pub tcp_connection: Vec<Rule<TcpConnAction>>,
    pub tcp_content: Vec<Rule<TcpContentAction>>,
    pub tcp_response: Vec<Rule<TcpResAction>>,
    pub http_request: Vec<Rule<HttpAction>>,
    pub http_response: Vec<Rule<HttpAction>>,
    pub http_after_response: Vec<Rule<HttpAction>>,
    pub use_backend: Vec<Rule<BackendName>>,
    /// `unique-id-format`: the stream's unique id (`unique-id`, `%ID`).
    pub unique_id_format: Option<LogFormat>,
    /// `unique-id-header`: the request header that carries it to the server.
    pub unique_id_header: Option<String>,
    /// Warnings about rules that compiled (conditions using fetches their place lacks), for
    /// the caller to report at their lines.
    pub warnings: Vec<ConfigError>,
}

/// The keywords this module compiles.
pub const RULE_KEYWORDS: &[&str] = &[
    "acl",
    "use_backend",
    "tcp-request",
    "tcp-response",
    "http-request",
    "http-response",
    "http-after-response",
];

impl ProxyRules {
    /// Compiles a section's rule lines (in order: an ACL must come before the rules using
    /// it). Every line is tried; all errors are returned.
    pub fn compile<'a>(
        ctx: &ProxyCtx,
        lines: impl IntoIterator<Item = &'a Line>,
        lua: &LuaNames,
    ) -> Result<ProxyRules, Vec<ConfigError>> {
        let mut rules = ProxyRules::default();
        let mut errors = Vec::new();
        for line in lines {
            if let Err(e) = rules.add_line(ctx, line, lua) {
                errors.push(e);
            }
        }
        rules.finish();
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }

    /// Ends a section read line by line with `add_line`: conditions see every `acl` line of
    /// their names, including those after them (HAProxy's behaviour). `compile` calls it.
    pub fn finish(&mut self) {
        let acls = &self.acls;
        let conds = self
            .tcp_connection
            .iter_mut()
            .filter_map(|r| r.cond.as_mut())
            .chain(self.tcp_content.iter_mut().filter_map(|r| r.cond.as_mut()))
            .chain(self.tcp_response.iter_mut().filter_map(|r| r.cond.as_mut()))
            .chain(self.http_request.iter_mut().filter_map(|r| r.cond.as_mut()))
            .chain(
                self.http_response
                    .iter_mut()
                    .filter_map(|r| r.cond.as_mut()),
            )
            .chain(
                self.http_after_response
                    .iter_mut()
                    .filter_map(|r| r.cond.as_mut()),
            )
            .chain(self.use_backend.iter_mut().filter_map(|r| r.cond.as_mut()));
        for c in conds {
            acls.relink(c);
        }
    }

    /// Compiles one line into the rule set it belongs to (call `finish` after the last).
    pub fn add_line(
        &mut self,
        ctx: &ProxyCtx,
        line: &Line,
        lua: &LuaNames,
    ) -> Result<(), ConfigError> {
        let kw = line.words.first().map(String::as_str).unwrap_or("");
        match kw {
            "acl" => self.acls.add_line(line, lua),
            "unique-id-format" => {
                let fmt = line.words.get(1).map(String::as_str).unwrap_or("");
                // Parsed as a log line (spaces are separators: a leading one after `%{+X}o`
                // is dropped, as haproxy 2.6 does).
                let f = LogFormat::parse_log(fmt, lua)
                    .map_err(|e| ConfigError::at(&line.loc, format!("unique-id-format: {e}")))?;
                self.unique_id_format = Some(f);
                Ok(())
            }
            "unique-id-header" => {
                self.unique_id_header = line.words.get(1).cloned();
                Ok(())
            }
            "use_backend" => self.add_use_backend(ctx, line, lua),
            "tcp-request" => tcp::add_tcp_request(self, ctx, line, lua),
            "tcp-response" => tcp::add_tcp_response(self, ctx, line, lua),
            "http-request" | "http-response" | "http-after-response" => {
                http::add_http_rule(self, ctx, line, lua)
            }
            _ => Err(ConfigError::at(
                &line.loc,
                format!("unknown keyword '{kw}' (not a rule keyword)"),
            )),
        }
    }

    fn add_use_backend(
        &mut self,
        ctx: &ProxyCtx,
        line: &Line,
        lua: &LuaNames,
    ) -> Result<(), ConfigError> {
        let w = &line.words;
        let err = |m: String| ConfigError::at(&line.loc, m);
        let Some(name) = w.get(1).filter(|n| !n.is_empty()) else {
            return Err(err("'use_backend' expects a backend name.".into()));
        };
        let target = if name.contains("%[") {
            BackendName::Dynamic(
                LogFormat::parse_placed(name, lua, places::sample_places(ctx, RuleSet::UseBackend))
                    .map_err(|e| {
                        err(format!("failed to parse use_backend rule '{name}' : {e}."))
                    })?,
            )
        } else {
            BackendName::Static(name.clone())
        };
        let cond = match w.get(2).map(String::as_str) {
            None => None,
            Some(p @ ("if" | "unless")) => Some(
                self.acls
                    .parse_cond(polarity(p), &w[3..], lua)
                    .map_err(|e| {
                        err(format!(
                            "error detected while parsing switching rule : {e}."
                        ))
                    })?,
            ),
            Some(other) => {
                return Err(err(format!(
                    "unexpected keyword '{other}' after switching rule, only 'if' and 'unless' are allowed."
                )));
            }
        };
        if let Some(c) = &cond
            && let Some(wm) = places::cond_warning(ctx, RuleSet::UseBackend, c, None)
        {
            self.warnings.push(ConfigError::at(&line.loc, wm));
        }
        self.use_backend.push(Rule {
            loc: line.loc.clone(),
            action: target,
            cond,
        });
        Ok(())
    }
}

fn polarity(word: &str) -> Polarity {
    if word == "unless" {
        Polarity::Unless
    } else {
        Polarity::If
    }
}

/// Finds the condition after an action's arguments: `Ok(None)` at the end of the line,
/// `Err(word)` when something else than `if`/`unless` follows.
fn cond_words(words: &[String], cur: usize) -> Result<Option<(Polarity, &[String])>, String> {
    match words.get(cur).map(String::as_str) {
        None => Ok(None),
        Some(p @ ("if" | "unless")) => Ok(Some((polarity(p), &words[cur + 1..]))),
        Some(other) => Err(other.to_string()),
    }
}

/// Whether `word` is the keyword `prefix` with a suffix HAProxy's `(*)` keywords take
/// (`set-var(txn.x)`, `track-sc0`), and not a longer keyword (`set-var-fmt`).
fn has_prefix_kw(word: &str, prefix: &str) -> bool {
    word.strip_prefix(prefix).is_some_and(|rest| {
        rest.is_empty() || rest.starts_with('(') || rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Whether `word` is one of `list` (HAProxy's listing style: `set-var(*)` entries take a
/// suffix).
/// How HAProxy 2.6 reports a bad rule line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported {
    /// The error stops the whole load (`ERR_ABORT`): `http-request`, `http-response` and
    /// `http-after-response` rules; the other rule keywords are `ERR_FATAL` (parsing goes on).
    pub abort: bool,
    /// Written `parsing [f:l]: msg` (no space before the colon), as `parse_http_*_cond`
    /// words its own "expects" messages.
    pub tight: bool,
    /// Found by HAProxy only in its checks after parsing (`Parsing [f:l]: msg`, among the
    /// checks' messages, not reported when parsing failed): a dynamic `use_backend` name.
    pub check_phase: bool,
}

pub fn reported_as(line: &Line, e: &ConfigError) -> Reported {
    let kw = line.words.first().map(String::as_str).unwrap_or("");
    let abort = matches!(kw, "http-request" | "http-response" | "http-after-response");
    let tight = abort && e.msg.starts_with(&format!("'{kw}")) && e.msg.contains("' expects ");
    let check_phase = kw == "use_backend" && e.msg.starts_with("failed to parse use_backend rule");
    Reported {
        abort,
        tight,
        check_phase,
    }
}

fn matches_kw(list: &[&str], word: &str) -> bool {
    list.iter().any(|k| match k.strip_suffix("(*)") {
        Some(prefix) => has_prefix_kw(word, prefix),
        None => *k == word,
    })
}

#[cfg(test)]
mod tests;
