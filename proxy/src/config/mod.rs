//! The HAProxy configuration: tokenizing, sections and keywords, the typed model, the checks
//! after parsing, and `haproxy -c`'s output. Entry points: [`Config::load`] (files from `-f`)
//! and [`load_texts`] (in-memory, for tests and tools).

mod address;
mod bind;
mod cint;
pub mod cond;
mod diag;
mod env;
mod files;
mod global;
mod inherit;
mod keywords;
mod line;
mod log;
pub mod model;
mod option;
mod parser;
mod proxy;
mod server;
mod suggest;
mod time;
mod tokenizer;
mod validate;

use std::path::PathBuf;
use std::sync::Arc;

pub use diag::{Banner, CheckOutput, Diagnostic, Form, Report, Severity, render_check};
pub use env::Env;
pub use line::{ConfigError, Line, Loc};
pub use model::*;
pub use parser::RulesSeen;
pub use suggest::best_action_match;
pub use tokenizer::{TokenError, tokenize};

/// A load: the model, every message in HAProxy's order, and the environment as `setenv` and
/// friends left it.
///
/// Two phases, like HAProxy: [`parse_paths`]/[`parse_texts`] read the files; the caller may then
/// add the diagnostics of what it compiles from the raw lines (rules, `lua-load`) with
/// [`Outcome::add`]; [`Outcome::check`] runs the checks after parsing (skipped when a fatal
/// error was found, as HAProxy does). [`load_paths`]/[`load_texts`] do both phases.
#[derive(Debug)]
pub struct Outcome {
    /// The model as far as it was read (use it only when [`Outcome::fatal`] is false).
    pub config: Config,
    /// The files read, in order.
    pub files: Vec<Arc<str>>,
    /// Diagnostics while reading, in file and line order.
    pub parse: Vec<Diagnostic>,
    /// Diagnostics of the checks after parsing.
    pub checks: Vec<Diagnostic>,
    /// The load stopped early (HAProxy's `ERR_ABORT`: after the current file, no checks).
    pub aborted: bool,
    /// Some server address could not be resolved ([`Outcome::resolve_servers`]).
    pub init_failed: bool,
    pub env: Env,
}

impl Outcome {
    /// Some alert was fatal: the configuration is not usable.
    pub fn fatal(&self) -> bool {
        self.aborted || self.init_failed || self.parse.iter().chain(&self.checks).any(|d| d.fatal)
    }

    fn all(&self) -> impl Iterator<Item = &Diagnostic> {
        self.parse.iter().chain(&self.checks)
    }

    /// Every alert (fatal or not), in order.
    pub fn errors(&self) -> Vec<ConfigError> {
        self.all()
            .filter(|d| d.severity == Severity::Alert)
            .map(|d| d.error.clone())
            .collect()
    }

    pub fn warnings(&self) -> Vec<ConfigError> {
        self.all()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| d.error.clone())
            .collect()
    }

    /// Adds a diagnostic about a configuration line (e.g. from compiling a rule), placed after
    /// the ones already there for the same or an earlier line, as HAProxy, which compiles
    /// while it reads, would have printed it.
    pub fn add(&mut self, d: Diagnostic) {
        let key = |d: &Diagnostic| {
            d.error.loc.as_ref().map(|l| {
                let file = diag::file_index(&self.files, l);
                (file.unwrap_or(usize::MAX), l.line)
            })
        };
        let k = key(&d);
        let at = self
            .parse
            .iter()
            .rposition(|e| key(e) <= k)
            .map_or(0, |i| i + 1);
        self.parse.insert(at, d);
    }

    /// Adds an error that stops everything where it is (HAProxy's `ERR_ABORT`, e.g. an
    /// `http-request` line without action): what was reported after its line, in its file and
    /// later files, is dropped, as HAProxy would not have read that far.
    pub fn add_abort(&mut self, mut d: Diagnostic) {
        d.fatal = true;
        let Some(loc) = d.error.loc.clone() else {
            self.parse.push(d);
            self.aborted = true;
            return;
        };
        let Some(file_index) = diag::file_index(&self.files, &loc) else {
            self.add(d);
            self.aborted = true;
            return;
        };
        let files = &self.files;
        self.parse.retain(|e| match &e.error.loc {
            None => true,
            Some(l) => {
                let fi = files
                    .iter()
                    .position(|f| *f == l.file)
                    .unwrap_or(usize::MAX);
                (fi, l.line) <= (file_index, loc.line)
            }
        });
        self.files.truncate(file_index + 1);
        self.add(d);
        self.aborted = true;
    }

    /// The checks after parsing; nothing when reading already failed, as in HAProxy.
    pub fn check(&mut self) {
        self.checks.clear();
        if !self.fatal() {
            self.checks = validate::check(&mut self.config);
        }
    }

    /// Resolves the servers' host names with `resolve` (the caller's resolver: this module does
    /// no I/O), as HAProxy does once the checks passed; each failure is reported like
    /// HAProxy's, then "Failed to initialize server(s) addr." stops the load.
    pub fn resolve_servers(&mut self, resolve: &mut dyn FnMut(&str) -> Option<std::net::IpAddr>) {
        if self.fatal() {
            return;
        }
        let mut failed = Vec::new();
        for px in &mut self.config.proxies {
            for srv in &mut px.servers {
                if let ServerAddr::Inet {
                    host,
                    ip: ip @ None,
                    ..
                } = &mut srv.addr
                {
                    match resolve(host) {
                        Some(addr) => *ip = Some(addr),
                        None => failed.push(Diagnostic::alert(
                            &srv.loc,
                            Form::Bracket,
                            format!(
                                "'server {}/{}' : could not resolve address '{host}'.",
                                px.name, srv.name
                            ),
                        )),
                    }
                }
            }
        }
        if !failed.is_empty() {
            self.checks.extend(failed);
            self.checks.push(Diagnostic::plain(
                Severity::Alert,
                None,
                "Failed to initialize server(s) addr.",
            ));
            self.init_failed = true;
        }
    }

    /// The model, when no alert was fatal.
    pub fn usable(&self) -> Option<&Config> {
        (!self.fatal()).then_some(&self.config)
    }

    /// What `-c` prints for this load.
    pub fn render_check(&self, banner: &Banner) -> CheckOutput {
        render_check(
            &Report {
                files: &self.files,
                parse: &self.parse,
                aborted: self.aborted,
                checks: &self.checks,
                init_failed: self.init_failed,
                has_listener: self
                    .config
                    .proxies
                    .iter()
                    .any(|p| p.caps.frontend && !p.binds.is_empty()),
            },
            banner,
        )
    }
}

impl Config {
    /// Loads the `-f` arguments (files or directories, in order) with the process environment.
    /// Ok carries the warnings (and the few alerts HAProxy does not count as fatal); Err every
    /// alert.
    pub fn load(paths: &[PathBuf]) -> Result<(Config, Vec<ConfigError>), Vec<ConfigError>> {
        let outcome = load_paths(paths, Env::from_process());
        if outcome.fatal() {
            return Err(outcome.errors());
        }
        let notes = outcome.all().map(|d| d.error.clone()).collect();
        Ok((outcome.config, notes))
    }
}

/// Reads the `-f` arguments with the given starting environment (no checks yet).
pub fn parse_paths(paths: &[PathBuf], env: Env) -> Outcome {
    let files = match files::expand(paths) {
        Ok(f) => f,
        Err(msg) => {
            let mut p = parser::Parser::new(env);
            p.fail_before_file(msg);
            return finish(p);
        }
    };
    let mut p = parser::Parser::new(env);
    for f in &files {
        // Files are read one by one: a file that cannot be read stops the load after the
        // messages of the files before it, as in HAProxy.
        match files::read(f) {
            Ok(text) => p.read_file(&f.display().to_string(), &text),
            Err(msg) => p.fail_before_file(msg),
        }
        if p.aborted {
            break;
        }
    }
    finish(p)
}

/// Reads configuration texts, each named as messages will name its file (no checks yet).
pub fn parse_texts(texts: &[(String, Vec<u8>)], env: Env) -> Outcome {
    let mut p = parser::Parser::new(env);
    for (name, text) in texts {
        p.read_file(name, text);
        if p.aborted {
            break;
        }
    }
    finish(p)
}

fn finish(p: parser::Parser) -> Outcome {
    Outcome {
        config: p.config,
        files: p.files,
        parse: p.events,
        checks: Vec::new(),
        aborted: p.aborted,
        init_failed: false,
        env: p.env,
    }
}

/// [`parse_paths`] then [`Outcome::check`].
pub fn load_paths(paths: &[PathBuf], env: Env) -> Outcome {
    let mut o = parse_paths(paths, env);
    o.check();
    o
}

/// [`parse_texts`] then [`Outcome::check`].
pub fn load_texts(texts: &[(String, Vec<u8>)], env: Env) -> Outcome {
    let mut o = parse_texts(texts, env);
    o.check();
    o
}
