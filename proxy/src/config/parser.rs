//! The reader: files line by line (HAProxy's `readcfgfile()`), sections, and the dispatch of
//! each line to the section's keyword parser. Collects every diagnostic in HAProxy's order and
//! keeps HAProxy's error accounting: a line with a fatal error counts once, 50 such lines stop
//! the file, some errors abort the whole load (`ERR_ABORT`).

use std::sync::Arc;

use super::diag::{Diagnostic, Form};
use super::env::Env;
use super::keywords;
use super::line::{Line, Loc};
use super::model::{Config, Proxy, ProxyKind};
use super::tokenizer;

/// Where lines go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    None,
    Global,
    /// Index into `Config::defaults`.
    Defaults(usize),
    /// Index into `Config::proxies`.
    Proxy(usize),
    /// A section HAProxy has and Halo does not (already reported); its lines are skipped.
    Skipped,
    /// A proxy section whose header was refused without opening it: HAProxy answers each of
    /// its lines with "'listen' or 'defaults' expected.".
    Orphan,
}

/// Which rule kinds a section has seen, for HAProxy's "rule placed after ..." warnings
/// (`warnif_misplaced_*`), by the parser and again by the rule compiler for the rules that
/// compiled.
#[derive(Clone, Copy, Debug, Default)]
pub struct RulesSeen {
    pub tcp_sess: bool,
    pub tcp_cont: bool,
    pub http_req: bool,
    pub use_backend: bool,
}

impl RulesSeen {
    /// The warning for a `kw sub` rule written after the rules seen so far, if it is evaluated
    /// before one of them (HAProxy's checks, in its order: the first hit is reported).
    pub fn misplaced(&self, kw: &str, sub: &str) -> Option<String> {
        let checks: &[(bool, &str)] = match (kw, sub) {
            ("tcp-request", "connection") => &[
                (self.tcp_sess, "a 'tcp-request session'"),
                (self.tcp_cont, "a 'tcp-request content'"),
                (self.http_req, "an 'http-request'"),
                (self.use_backend, "a 'use_backend'"),
            ],
            ("tcp-request", "session") => &[
                (self.tcp_cont, "a 'tcp-request content'"),
                (self.http_req, "an 'http-request'"),
                (self.use_backend, "a 'use_backend'"),
            ],
            ("tcp-request", "content") => &[
                (self.http_req, "an 'http-request'"),
                (self.use_backend, "a 'use_backend'"),
            ],
            ("http-request", _) => &[(self.use_backend, "a 'use_backend'")],
            _ => &[],
        };
        let (_, what) = checks.iter().find(|(hit, _)| *hit)?;
        Some(format!(
            "a '{kw}' rule placed after {what} rule will still be processed before."
        ))
    }

    /// Records a rule of kind `kw sub`.
    pub fn note(&mut self, kw: &str, sub: &str) {
        match (kw, sub) {
            ("tcp-request", "session") => self.tcp_sess = true,
            ("tcp-request", "content") => self.tcp_cont = true,
            ("http-request", _) => self.http_req = true,
            ("use_backend", _) => self.use_backend = true,
            _ => {}
        }
    }
}

/// One open `.if` block.
#[derive(Clone, Copy, Debug)]
struct CondFrame {
    /// The enclosing region is active.
    parent_active: bool,
    /// The current branch is active.
    taking: bool,
    /// A branch was taken already (later `.elif`/`.else` are skipped).
    taken: bool,
    seen_else: bool,
}

/// How a defaults section is used: who inherits its rules (HAProxy forbids mixing sides), and
/// whether by name, implicitly, or both (which HAProxy flags).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DefaultsUse {
    pub by_frontend: bool,
    pub by_backend: bool,
    /// Named by a `from` (HAProxy's `PR_FL_EXPLICIT_REF`).
    pub explicit: bool,
    /// Used by a proxy without `from` as the last defaults section (`PR_FL_IMPLICIT_REF`).
    pub implicit: bool,
}

pub(crate) struct Parser {
    pub env: Env,
    pub config: Config,
    /// Diagnostics in reading order.
    pub events: Vec<Diagnostic>,
    /// The files read, in order.
    pub files: Vec<Arc<str>>,
    pub section: Section,
    /// The last `defaults` section (what a proxy without `from` inherits).
    pub last_defaults: Option<usize>,
    pub seen_defaults: Vec<RulesSeen>,
    pub seen_proxies: Vec<RulesSeen>,
    pub defaults_use: Vec<DefaultsUse>,
    /// Any fatal alert so far.
    pub fatal: bool,
    /// An alert that stops everything after the current file (HAProxy's `ERR_ABORT`).
    pub aborted: bool,
    /// The current line produced a fatal alert.
    line_fatal: bool,
    /// The section keyword of the current section, for `${.SECTION}`.
    section_name: String,
    /// Open `.if` blocks of the current file.
    conds: Vec<CondFrame>,
    /// Stop reading the current file (not an abort: later files are read).
    stop_file: bool,
}

/// HAProxy stops reading a file after this many lines with fatal errors.
const MAX_FATAL_LINES: usize = 50;

impl Parser {
    pub fn new(env: Env) -> Self {
        Parser {
            env,
            config: Config::default(),
            events: Vec::new(),
            files: Vec::new(),
            section: Section::None,
            last_defaults: None,
            seen_defaults: Vec::new(),
            seen_proxies: Vec::new(),
            defaults_use: Vec::new(),
            fatal: false,
            aborted: false,
            line_fatal: false,
            section_name: String::new(),
            conds: Vec::new(),
            stop_file: false,
        }
    }

    /// A fatal alert about the current line.
    pub fn alert(&mut self, loc: &Loc, form: Form, msg: impl Into<String>) {
        self.line_fatal = true;
        self.fatal = true;
        self.events.push(Diagnostic::alert(loc, form, msg));
    }

    /// A fatal alert that also stops the load after this file.
    pub fn abort(&mut self, loc: &Loc, form: Form, msg: impl Into<String>) {
        self.alert(loc, form, msg);
        self.aborted = true;
    }

    /// An alert HAProxy does not count as fatal (the configuration stays usable).
    pub fn alert_nonfatal(&mut self, loc: &Loc, form: Form, msg: impl Into<String>) {
        let mut d = Diagnostic::alert(loc, form, msg);
        d.fatal = false;
        self.events.push(d);
    }

    /// A warning HAProxy prints without location (it keeps the location for tools).
    pub fn warn_plain(&mut self, loc: &Loc, msg: impl Into<String>) {
        self.events.push(Diagnostic::plain(
            super::diag::Severity::Warning,
            Some(loc),
            msg,
        ));
    }

    pub fn warn(&mut self, loc: &Loc, form: Form, msg: impl Into<String>) {
        self.events.push(Diagnostic::warning(loc, form, msg));
    }

    /// A file that cannot be opened: HAProxy says so and exits.
    pub fn fail_before_file(&mut self, msg: String) {
        self.events
            .push(Diagnostic::plain(super::diag::Severity::Alert, None, msg));
        self.aborted = true;
    }

    /// Reads one file's text. `name` is how messages name the file.
    pub fn read_file(&mut self, name: &str, text: &[u8]) {
        let file: Arc<str> = Arc::from(name);
        self.files.push(file.clone());
        self.section = Section::None;
        self.section_name.clear();
        self.conds.clear();
        self.stop_file = false;
        let mut fatal_lines = 0;
        let mut rest = text;
        let mut linenum = 0;
        while !rest.is_empty() {
            linenum += 1;
            let loc = Loc {
                file: file.clone(),
                line: linenum,
            };
            let (raw, missing_lf) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let raw = &rest[..i];
                    rest = &rest[i + 1..];
                    (raw, false)
                }
                None => {
                    let raw = rest;
                    rest = &[];
                    (raw, true)
                }
            };
            if fatal_lines >= MAX_FATAL_LINES {
                self.alert(
                    &loc,
                    Form::ParsingTight,
                    format!("too many fatal errors ({fatal_lines}), stopping now."),
                );
                break;
            }
            // HAProxy reads C strings: a NUL ends the line, and is then reported like a last
            // line without its newline.
            let (raw, has_nul) = match raw.iter().position(|&b| b == 0) {
                Some(i) => (&raw[..i], true),
                None => (raw, false),
            };
            self.line_fatal = false;
            self.line(&loc, raw);
            if missing_lf || has_nul {
                self.alert(
                    &loc,
                    Form::ParsingTight,
                    format!(
                        "Missing LF on last line, file might have been truncated at position {}.",
                        raw.len() + 1
                    ),
                );
            }
            if self.line_fatal {
                fatal_lines += 1;
            }
            if self.aborted || self.stop_file {
                break;
            }
        }
        if !self.conds.is_empty() && !self.aborted && !self.stop_file {
            let loc = Loc {
                file: file.clone(),
                line: linenum,
            };
            self.abort(&loc, Form::ParsingTight, "non-terminated '.if' block.");
        }
    }

    fn line(&mut self, loc: &Loc, raw: &[u8]) {
        let linestr = loc.line.to_string();
        let file = loc.file.to_string();
        let section = self.section_name.clone();
        let words = {
            let env = &self.env;
            let lookup = |name: &str| -> Option<String> {
                match name {
                    ".LINE" => Some(linestr.clone()),
                    ".FILE" => Some(file.clone()),
                    ".SECTION" => Some(section.clone()),
                    _ => env.get(name).map(str::to_string),
                }
            };
            tokenizer::tokenize(raw, &lookup)
        };
        let words = match words {
            Ok(w) => w,
            Err(e) => {
                self.alert(loc, Form::ParsingTight, e.message(raw));
                return;
            }
        };
        if words.is_empty() {
            return;
        }
        let line = Line {
            loc: loc.clone(),
            words,
        };
        let kw = line.words[0].as_str();
        if matches!(kw, ".if" | ".elif" | ".else" | ".endif") {
            self.conditional(&line, raw);
            return;
        }
        if !self
            .conds
            .last()
            .is_none_or(|f| f.parent_active && f.taking)
        {
            return;
        }
        if kw.starts_with('.') {
            self.directive(&line);
            return;
        }
        match kw {
            "global" => {
                self.section = Section::Global;
                self.section_name = kw.to_string();
                if line.words.len() > 1 {
                    self.alert(
                        loc,
                        Form::Parsing,
                        format!(
                            "'global' cannot handle unexpected argument '{}'.",
                            line.words[1]
                        ),
                    );
                }
            }
            "defaults" | "frontend" | "backend" | "listen" => {
                self.section_name = kw.to_string();
                self.section_header(&line);
            }
            s if keywords::UNSUPPORTED_SECTIONS.contains(&s) => {
                self.section = Section::Skipped;
                self.section_name = kw.to_string();
                self.alert(
                    loc,
                    Form::Parsing,
                    format!("'{s}' sections are not supported by Halo"),
                );
            }
            _ => match self.section {
                Section::None => self.alert(
                    loc,
                    Form::ParsingTight,
                    format!("unknown keyword '{kw}' out of section."),
                ),
                Section::Global => super::global::parse(self, &line),
                Section::Defaults(_) | Section::Proxy(_) => super::proxy::parse(self, &line),
                Section::Skipped => {}
                Section::Orphan => {
                    self.alert(loc, Form::Parsing, "'listen' or 'defaults' expected.")
                }
            },
        }
    }

    /// `.if`, `.elif`, `.else`, `.endif`.
    fn conditional(&mut self, line: &Line, raw: &[u8]) {
        let loc = &line.loc;
        let kw = line.words[0].as_str();
        let active = self
            .conds
            .last()
            .is_none_or(|f| f.parent_active && f.taking);
        let lone = || format!("lone '{kw}' with no matching '.if'.");
        match kw {
            ".if" => {
                let v = active && self.evaluate(line, raw);
                if self.aborted {
                    return;
                }
                self.conds.push(CondFrame {
                    parent_active: active,
                    taking: v,
                    taken: v || !active,
                    seen_else: false,
                });
            }
            ".elif" => {
                let Some(frame) = self.conds.last().copied() else {
                    self.abort(loc, Form::ParsingTight, lone());
                    return;
                };
                if frame.seen_else {
                    self.abort(
                        loc,
                        Form::ParsingTight,
                        "'.elif' after '.else' is not permitted.",
                    );
                    return;
                }
                let v = !frame.taken && frame.parent_active && self.evaluate(line, raw);
                if self.aborted {
                    return;
                }
                if let Some(f) = self.conds.last_mut() {
                    f.taking = v;
                    f.taken |= v;
                }
            }
            ".else" => {
                let Some(f) = self.conds.last_mut() else {
                    self.abort(loc, Form::ParsingTight, lone());
                    return;
                };
                if f.seen_else {
                    self.abort(
                        loc,
                        Form::ParsingTight,
                        "'.else' after '.else' is not permitted.",
                    );
                    return;
                }
                f.seen_else = true;
                f.taking = !f.taken;
                f.taken = true;
            }
            _ => {
                if self.conds.pop().is_none() {
                    self.abort(loc, Form::ParsingTight, lone());
                }
            }
        }
    }

    /// The condition of `.if`/`.elif` (its words joined by spaces, as HAProxy reads them).
    fn evaluate(&mut self, line: &Line, raw: &[u8]) -> bool {
        let text = line.words[1..].join(" ");
        let env = &self.env;
        let defined = |name: &str| env.get(name).is_some();
        match super::cond::eval(&text, &line.words[0], &defined) {
            Ok(v) => v,
            Err(e) => {
                // Point into the raw line: the expression starts at the second word.
                let mut i = raw
                    .iter()
                    .position(|b| !tokenizer::is_space(*b))
                    .unwrap_or(0);
                while i < raw.len() && !tokenizer::is_space(raw[i]) {
                    i += 1;
                }
                while i < raw.len() && tokenizer::is_space(raw[i]) {
                    i += 1;
                }
                let msg = format!(
                    "{} at position {}:{}",
                    e.msg,
                    e.pos + 1,
                    tokenizer::excerpt(raw, i + e.pos)
                );
                self.abort(&line.loc, Form::ParsingTight, msg);
                false
            }
        }
    }

    /// `.notice`, `.warning`, `.alert` (which stops the load), `.diag` (only shown in HAProxy's
    /// diagnostic mode, so silent here).
    fn directive(&mut self, line: &Line) {
        let loc = &line.loc;
        let kw = line.words[0].as_str();
        if !matches!(kw, ".notice" | ".warning" | ".alert" | ".diag") {
            // HAProxy stops reading the file there.
            self.alert(
                loc,
                Form::ParsingTight,
                format!("unknown directive '{kw}'."),
            );
            self.stop_file = true;
            return;
        }
        if let Some(extra) = line.words.get(2) {
            self.alert(
                loc,
                Form::ParsingTight,
                format!(
                    "Unexpected argument '{extra}' for '{kw}'. Use quotes if the message should contain spaces."
                ),
            );
            return;
        }
        let msg = format!("'{}'.", line.words.get(1).map(String::as_str).unwrap_or(""));
        match kw {
            ".notice" => {
                let mut d = Diagnostic::warning(loc, Form::ParsingTight, msg);
                d.severity = super::diag::Severity::Notice;
                self.events.push(d);
            }
            ".warning" => self.warn(loc, Form::ParsingTight, msg),
            ".alert" => self.abort(loc, Form::ParsingTight, msg),
            _ => {}
        }
    }

    /// `defaults [name] [from <defaults>]`, `frontend|backend|listen <name> [from <defaults>]`.
    fn section_header(&mut self, line: &Line) {
        let loc = &line.loc;
        let kind = match line.words[0].as_str() {
            "defaults" => ProxyKind::Defaults,
            "frontend" => ProxyKind::Frontend,
            "backend" => ProxyKind::Backend,
            _ => ProxyKind::Listen,
        };
        let kw = kind.keyword();
        let w = |i: usize| line.words.get(i).map(String::as_str).unwrap_or("");
        let (name, mut rest) = if kind == ProxyKind::Defaults && w(1) == "from" {
            ("", 1)
        } else {
            (w(1), 2)
        };
        if kind != ProxyKind::Defaults && name.is_empty() {
            self.abort(
                loc,
                Form::Parsing,
                format!("'{kw}' expects an <id> argument"),
            );
            self.section = Section::Skipped;
            return;
        }
        // HAProxy does not check the characters of a defaults section's name.
        if let Some(c) = name
            .chars()
            .filter(|_| kind != ProxyKind::Defaults)
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
        {
            self.alert(
                loc,
                Form::Parsing,
                format!("character '{c}' is not permitted in '{kw}' name '{name}'."),
            );
            self.section = Section::Skipped;
            return;
        }
        // Duplicate names: frontends and backends may share a name, a listen conflicts with
        // both; defaults sections may be redefined.
        if kind != ProxyKind::Defaults {
            let me = kind.caps();
            if let Some(other) = self.config.proxies.iter().rev().find(|p| {
                p.name == name
                    && ((p.caps.frontend && me.frontend) || (p.caps.backend && me.backend))
            }) {
                let msg = format!(
                    "{} '{name}' has the same name as {} '{}' declared at {}.",
                    kind.type_str(),
                    other.kind.type_str(),
                    other.name,
                    other.loc
                );
                self.alert(loc, Form::ParsingCapital, msg);
            }
        }
        // Only regular proxies inherit from the previous defaults section: a defaults section
        // without `from` starts empty (haproxy 2.6 `cfg_parse_listen`).
        let mut from = if kind == ProxyKind::Defaults {
            None
        } else {
            self.last_defaults
        };
        let explicit = w(rest) == "from" && !w(rest + 1).is_empty();
        if explicit {
            let dname = w(rest + 1);
            rest += 2;
            match self
                .config
                .defaults
                .iter()
                .rposition(|d| !d.name.is_empty() && d.name == dname)
            {
                Some(i) => from = Some(i),
                None => {
                    self.abort(
                        loc,
                        Form::Parsing,
                        format!("defaults section '{dname}' not found for {kw} '{name}'."),
                    );
                    self.section = Section::Skipped;
                    return;
                }
            }
        }
        if rest < line.words.len() {
            // Not fatal in HAProxy, but the section is not opened.
            self.alert_nonfatal(
                loc,
                Form::Parsing,
                "please use the 'bind' keyword for listening addresses.",
            );
            self.section = Section::Orphan;
            return;
        }

        if let Some(di) = from {
            let usage = &mut self.defaults_use[di];
            if explicit {
                usage.explicit = true;
            } else {
                usage.implicit = true;
            }
            if usage.explicit && usage.implicit {
                let d = &self.config.defaults[di];
                let msg = format!(
                    "defaults section '{}' (declared at {}) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.",
                    d.name, d.loc
                );
                self.alert_nonfatal(loc, Form::Parsing, msg);
            }
        }
        let mut proxy = Proxy::new(name, kind, loc.clone());
        if let Some(di) = from {
            let has_rules = self.config.defaults[di].rules.has_actions();
            if has_rules && kind != ProxyKind::Defaults {
                let dloc = self.config.defaults[di].loc.clone();
                let usage = &mut self.defaults_use[di];
                let mixed = format!(
                    "frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at {dloc})."
                );
                let conflict = match kind {
                    ProxyKind::Listen => Some(
                        "a listen section cannot inherit from a defaults section defining TCP/HTTP rules."
                            .to_string(),
                    ),
                    ProxyKind::Frontend if usage.by_backend => Some(mixed),
                    ProxyKind::Frontend if self.config.defaults[di].rules.has_tcp_response_content() => {
                        Some(format!(
                            "a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at {dloc})."
                        ))
                    }
                    ProxyKind::Backend if usage.by_frontend => Some(mixed),
                    _ => None,
                };
                match kind {
                    ProxyKind::Frontend => usage.by_frontend = true,
                    ProxyKind::Backend => usage.by_backend = true,
                    _ => {}
                }
                if let Some(msg) = conflict {
                    self.abort(loc, Form::ParsingTight, msg);
                    self.section = Section::Skipped;
                    return;
                }
            }
            super::inherit::copy_defaults(&mut proxy, &self.config.defaults[di]);
            proxy.defaults_index = Some(di);
        }
        if kind == ProxyKind::Defaults {
            self.config.defaults.push(proxy);
            self.seen_defaults.push(RulesSeen::default());
            self.defaults_use.push(DefaultsUse::default());
            let i = self.config.defaults.len() - 1;
            self.last_defaults = Some(i);
            self.section = Section::Defaults(i);
        } else {
            self.config.proxies.push(proxy);
            self.seen_proxies.push(RulesSeen::default());
            self.section = Section::Proxy(self.config.proxies.len() - 1);
        }
    }

    /// The proxy (or defaults) of the current section.
    pub fn current(&mut self) -> Option<(&mut Proxy, &mut RulesSeen)> {
        match self.section {
            Section::Defaults(i) => {
                Some((&mut self.config.defaults[i], &mut self.seen_defaults[i]))
            }
            Section::Proxy(i) => Some((&mut self.config.proxies[i], &mut self.seen_proxies[i])),
            _ => None,
        }
    }
}
